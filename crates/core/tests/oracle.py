# Runs lifecycle scripts through Python Supervisor 4.3.0's real `Subprocess` (with its own
# test doubles for the OS and a fake clock) and prints what it logged and notified, so
# `python_oracle.rs` can compare it with supervisor-core. Read from stdin: blocks of
# "=== NAME" / "config k=v ..." / one step per line. See python_oracle.rs for the step language.
import errno
import os
import sys

from supervisor import events
from supervisor import process as P
from supervisor.datatypes import RestartUnconditionally, RestartWhenExitUnexpected
from supervisor.process import Subprocess
from supervisor.states import (
    RUNNING_STATES,
    SIGNALLABLE_STATES,
    ProcessStates,
)
from supervisor.tests.base import DummyOptions, DummyPConfig

clock = [1000.0]
P.time.time = lambda: clock[0]
out = []


class Logger:
    pass


for level, tag in [('critical', 'CRIT'), ('error', 'ERRO'), ('warn', 'WARN'),
                   ('info', 'INFO'), ('debug', 'DEBG'), ('trace', 'TRAC'),
                   ('blather', 'BLAT')]:
    def log(self, msg, _tag=tag, **kw):
        if _tag == 'CRIT' and 'unknown problem' in msg:
            # Python appends a traceback; compare only what precedes it.
            msg = msg.split('):', 1)[0] + '):DETAIL'
        out.append('%s %s' % (_tag, msg))
    setattr(Logger, level, log)


def on_event(event):
    name = type(event).__name__  # ProcessStateRunningEvent -> PROCESS_STATE_RUNNING
    state = name[len('ProcessState'):-len('Event')].upper()
    out.append('EV PROCESS_STATE_%s %s' % (state, event.payload()))


events.subscribe(events.ProcessStateEvent, on_event)


def run(config_line, steps):
    clock[0] = 1000.0
    opts = DummyOptions()
    opts.logger = Logger()
    opts.forkpid = 42
    kw = dict(kv.split('=') for kv in config_line.split()[1:])
    autorestart = {'true': RestartUnconditionally, 'false': False,
                   'unexpected': RestartWhenExitUnexpected}[kw['autorestart']]
    config = DummyPConfig(
        opts, 'web', '/bin/cat',
        autostart=kw['autostart'] == '1',
        startsecs=int(kw['startsecs']),
        startretries=int(kw['startretries']),
        autorestart=autorestart,
        exitcodes=tuple(int(c) for c in kw['exitcodes'].split(',')),
        stopsignal=int(kw['stopsignal']),
        stopwaitsecs=int(kw['stopwaitsecs']),
        stopasgroup=kw['stopasgroup'] == '1',
        killasgroup=kw['killasgroup'] == '1',
    )
    p = Subprocess(config)
    for step in steps:
        words = step.split()
        op, args = words[0], words[1:]
        if op == 'tick':
            p.transition()
        elif op == 'advance':
            clock[0] += int(args[0]) / 1000.0
        elif op == 'exit':
            p.finish(42, int(args[0]))
        elif op == 'start':
            if opts.mood < 1:
                out.append('RESULT SHUTDOWN_STATE')
            elif p.get_state() in RUNNING_STATES:
                out.append('RESULT ALREADY_STARTED')
            elif p.get_state() == ProcessStates.UNKNOWN:
                out.append('RESULT FAILED')
            else:
                p.spawn()
                out.append('RESULT OK')
        elif op == 'stop':
            if p.get_state() not in RUNNING_STATES:
                out.append('RESULT NOT_RUNNING')
            else:
                out.append('RESULT FAILED' if p.stop() is not None else 'RESULT OK')
        elif op == 'stopall':
            state = p.get_state()
            if state in (ProcessStates.RUNNING, ProcessStates.STARTING):
                p.stop()
            elif state == ProcessStates.BACKOFF:
                p.give_up()
        elif op == 'signal':
            if p.get_state() not in SIGNALLABLE_STATES:
                out.append('RESULT NOT_RUNNING')
            else:
                msg = p.signal(int(args[0]))
                out.append('RESULT FAILED' if msg is not None else 'RESULT OK')
        elif op == 'killfail':
            code = int(args[0])
            opts.kill_exception = OSError(code, os.strerror(code))
        elif op == 'killok':
            opts.kill_exception = None
        elif op == 'forkfail':
            opts.fork_exception = OSError(errno.EAGAIN, os.strerror(errno.EAGAIN))
        elif op == 'forkok':
            opts.fork_exception = None
        elif op == 'mood':
            opts.mood = int(args[0])
        else:
            raise SystemExit('unknown step %r' % step)
    out.append('STATE %s' % P.getProcessStateDescription(p.get_state()))


def main():
    blocks = sys.stdin.read().split('=== ')[1:]
    for block in blocks:
        lines = [l.strip() for l in block.strip().splitlines() if l.strip()]
        name, config_line, steps = lines[0], lines[1], lines[2:]
        del out[:]
        run(config_line, steps)
        print('=== ' + name)
        for line in out:
            print(line)


main()
