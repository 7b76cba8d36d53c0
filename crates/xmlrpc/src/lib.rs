//! A strict, bounded XML-RPC codec with Supervisor's fault codes.
