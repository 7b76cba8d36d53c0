"""Resolve supervisord.conf files with Python Supervisor's own loader and print them as JSON.

Usage: .venv/bin/python tests/config/oracle.py FILE [FILE ...]

For each FILE, in order, prints one line holding one JSON object in the shape described by
docs/resolved-config.md (the same shape `supervisord --check --json -c FILE` prints), so the two
implementations can be compared field by field by tests/it/config_diff.rs. A loaded file also gets
the top-level `warnings` list our JSON has: Python's parse warnings, with only `message` set.

The loader is `supervisor.options.ServerOptions.realize(args=['-c', FILE])`, which only reads and
validates the configuration: it does not daemonize, open sockets, create log files or start
processes. Its error path (`usage()`, which prints and exits) is turned into an exception so one
Python process can resolve the whole corpus.
"""

import json
import re
import sys

from supervisor import datatypes, events, loggers, options

# Python appends this to errors raised inside program-like sections; the JSON carries the section
# and file as separate fields instead (see docs/resolved-config.md).
SECTION_SUFFIX = re.compile(r" in section '(?P<section>.*)' \(file: '(?P<file>.*)'\)\Z", re.S)


class ConfigRejected(Exception):
    """Raised instead of Supervisor's usage-and-exit when a configuration is invalid."""


class OracleOptions(options.ServerOptions):
    """ServerOptions that reports errors by raising and remembers result_handler spec strings."""

    def __init__(self):
        options.ServerOptions.__init__(self)
        self.spec_of = {}

    def usage(self, msg):
        raise ConfigRejected(str(msg))

    def exit(self, code=0):
        raise ConfigRejected("exit(%r) called" % (code,))

    def import_spec(self, spec):
        obj = options.ServerOptions.import_spec(self, spec)
        self.spec_of[id(obj)] = spec
        return obj


def level_name(level):
    """The configuration word for a numeric log level (20 -> 'info')."""
    for name, number in vars(loggers.LevelsByDescription).items():
        if not name.startswith('_') and number == level:
            return name
    raise AssertionError('unknown log level %r' % (level,))


def autorestart_word(value):
    if value is datatypes.RestartUnconditionally:
        return 'true'
    if value is datatypes.RestartWhenExitUnexpected:
        return 'unexpected'
    if value is False:
        return 'false'
    raise AssertionError('unknown autorestart value %r' % (value,))


def logfile_value(value):
    if value is datatypes.Automatic:
        return 'AUTO'
    if value is datatypes.Syslog:
        raise AssertionError('Syslog sentinel survived option processing')
    return value


def process_json(pconfig):
    return {
        'name': pconfig.name,
        'command': pconfig.command,
        'uid': pconfig.uid,
        'directory': pconfig.directory,
        'umask': pconfig.umask,
        'priority': pconfig.priority,
        'autostart': bool(pconfig.autostart),
        'autorestart': autorestart_word(pconfig.autorestart),
        'startsecs': pconfig.startsecs,
        'startretries': pconfig.startretries,
        'stdout_logfile': logfile_value(pconfig.stdout_logfile),
        'stdout_capture_maxbytes': pconfig.stdout_capture_maxbytes,
        'stdout_events_enabled': bool(pconfig.stdout_events_enabled),
        'stdout_syslog': bool(pconfig.stdout_syslog),
        'stdout_logfile_backups': pconfig.stdout_logfile_backups,
        'stdout_logfile_maxbytes': pconfig.stdout_logfile_maxbytes,
        'stderr_logfile': logfile_value(pconfig.stderr_logfile),
        'stderr_capture_maxbytes': pconfig.stderr_capture_maxbytes,
        'stderr_events_enabled': bool(pconfig.stderr_events_enabled),
        'stderr_syslog': bool(pconfig.stderr_syslog),
        'stderr_logfile_backups': pconfig.stderr_logfile_backups,
        'stderr_logfile_maxbytes': pconfig.stderr_logfile_maxbytes,
        'stopsignal': pconfig.stopsignal,
        'stopwaitsecs': pconfig.stopwaitsecs,
        'stopasgroup': bool(pconfig.stopasgroup),
        'killasgroup': bool(pconfig.killasgroup),
        'exitcodes': list(pconfig.exitcodes),
        'redirect_stderr': bool(pconfig.redirect_stderr),
        'environment': dict(pconfig.environment or {}),
        # None means AUTO: the daemon computes SUPERVISOR_SERVER_URL itself.
        'serverurl': 'AUTO' if pconfig.serverurl is None else pconfig.serverurl,
    }


def socket_json(sconfig):
    owner = getattr(sconfig, 'owner', None)
    return {
        'url': sconfig.url,
        'owner': None if owner is None else list(owner),
        'mode': getattr(sconfig, 'mode', None),
        'backlog': sconfig.backlog,
    }


def group_json(opts, gconfig):
    processes = sorted(gconfig.process_configs, key=lambda p: (p.priority, p.name))
    group = {
        'kind': 'program',
        'name': gconfig.name,
        'priority': gconfig.priority,
        'processes': [process_json(p) for p in processes],
    }
    if isinstance(gconfig, options.EventListenerPoolConfig):
        group['kind'] = 'eventlistener'
        group['buffer_size'] = gconfig.buffer_size
        group['pool_events'] = [events.getEventNameByType(e) for e in gconfig.pool_events]
        group['result_handler'] = opts.spec_of[id(gconfig.result_handler)]
    elif isinstance(gconfig, options.FastCGIGroupConfig):
        group['kind'] = 'fcgi-program'
        group['socket_config'] = socket_json(gconfig.socket_config)
    return group


def server_json(sconfig):
    if sconfig['family'] == options.socket.AF_UNIX:
        return {
            'family': 'unix',
            'name': sconfig['name'],
            'file': sconfig['file'],
            'chmod': sconfig['chmod'],
            'chown': list(sconfig['chown']),
            'username': sconfig['username'],
            'password': sconfig['password'],
        }
    return {
        'family': 'inet',
        'name': sconfig['name'],
        'host': sconfig['host'],
        'port': sconfig['port'],
        'username': sconfig['username'],
        'password': sconfig['password'],
    }


def resolve(path):
    opts = OracleOptions()
    try:
        try:
            opts.realize(args=['-c', path], progname='supervisord')
        except ConfigRejected as exc:
            return error_json(str(exc))
        except Exception as exc:  # supervisord would die with a traceback: also a rejection
            return error_json('%s: %s' % (type(exc).__name__, exc))
        section = opts.configroot.supervisord
        return {
            'ok': True,
            'supervisord': {
                'logfile': opts.logfile,
                'logfile_maxbytes': opts.logfile_maxbytes,
                'logfile_backups': opts.logfile_backups,
                'loglevel': level_name(opts.loglevel),
                'pidfile': opts.pidfile,
                'umask': opts.umask,
                'nodaemon': bool(opts.nodaemon),
                'silent': bool(opts.silent),
                'minfds': opts.minfds,
                'minprocs': opts.minprocs,
                'nocleanup': bool(opts.nocleanup),
                'childlogdir': opts.childlogdir,
                'user': opts.user,
                'directory': opts.directory,
                'strip_ansi': bool(opts.strip_ansi),
                'environment': dict(section.environment),
                'identifier': opts.identifier,
            },
            'server_configs': [server_json(s) for s in opts.server_configs],
            'serverurl': opts.serverurl,
            'groups': [group_json(opts, g) for g in opts.process_group_configs],
            # Python logs these once its logger exists; our JSON lists them (and more).
            'warnings': [diagnostic_json(w) for w in opts.parse_warnings],
        }
    finally:
        opts.poller.close()


def diagnostic_json(message):
    return {'message': message, 'file': None, 'line': None, 'section': None, 'option': None}


def error_json(message):
    error = diagnostic_json(message)
    match = SECTION_SUFFIX.search(message)
    if match:
        error['message'] = message[:match.start()]
        error['section'] = match.group('section')
        error['file'] = match.group('file')
    return {'ok': False, 'errors': [error]}


def main(paths):
    if not paths:
        sys.stderr.write('usage: oracle.py FILE [FILE ...]\n')
        return 2
    out = sys.stdout
    for path in paths:
        out.write(json.dumps(resolve(path), sort_keys=True))
        out.write('\n')
    out.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
