"""The measured scenarios, one module each; every module has `launch(ctx, impl) -> dict`
(one fresh daemon, one record) except `floors` and `chatty`, which run on their own."""
