#!/usr/bin/env python
# cmom-node-setup's helper, shipped beside it: node.json validation, config.yaml generation, redaction, parsing of the
# cfy CLI's output and the served-certificate check. Runs on the nodes' python 2.7 or 3.6+ (checked by vermin in the
# tests): no f-strings, no newer library calls.
# One command per run (`helper.py <command> [args]`, input on stdin), or `helper.py serve`: one process answering a whole
# stage's requests, so a stage starts one interpreter however many commands it runs. Modules only some commands need
# (ssl, socket, gzip, base64, copy, hashlib, urllib) are imported where they are used, for the same reason.
import io, json, os, re, sys

REDACTED = '***REDACTED***'
# Keys whose values are secrets, wherever they appear (node.json, additionalConfig, the installer's config.yaml).
SECRET_KEY = re.compile(r'pass(word|wd|phrase)?$|secret|token|credential|salt|cookie|key$', re.I)
HEX64 = r'[0-9a-fA-F]{64}'


class Failure(Exception):
    """A command failed: its one-line reason goes to the tool, which fails the stage with it."""


def fail(message):
    raise Failure(message.replace('\n', ' '))


def is_str(value):
    return isinstance(value, (type(u''), str))


def text(value):
    return value if isinstance(value, type(u'')) else value.decode('utf-8')


def parse(content, fmt, what):
    if fmt == 'yaml':
        try:
            import yaml
        except ImportError:
            try:  # JSON is YAML: a JSON document needs no YAML parser
                return json.loads(content)
            except ValueError:
                fail('%s: yaml:// needs PyYAML on this node (python-yaml / PyYAML) unless the file is JSON; '
                     'or pass the same content as json://' % what)
        try:
            return yaml.safe_load(content)
        except yaml.YAMLError as error:
            fail('%s: invalid YAML: %s' % (what, error))
    try:
        return json.loads(content)
    except ValueError as error:
        fail('%s: invalid JSON: %s' % (what, error))


def load_node_config():
    path = os.environ['_CMOM_CFG_PATH']
    try:
        with io.open(path, encoding='utf-8') as handle:
            content = handle.read()
    except (IOError, OSError) as error:
        fail('cannot read config %s: %s' % (path, error.strerror))
    return parse(content, os.environ['_CMOM_CFG_FORMAT'], 'config ' + path)


class Invalid(Exception):
    pass


def need(cond, key, expectation):
    if not cond:
        raise Invalid("key '%s' %s" % (key, expectation))


def check_str(obj, key, path, optional=False, absolute=False, pattern=None):
    value = obj.get(key)
    if value is None and optional:
        return
    need(is_str(value) and value != '', path, 'must be a non-empty string')
    need('\0' not in value, path, 'must not contain NUL')
    if absolute:
        need(value.startswith('/') and '\n' not in value, path, 'must be an absolute path')
    if pattern:
        need(re.match('(?:%s)\\Z' % pattern, value) is not None, path, 'must match %s' % pattern)


def check_keys(obj, allowed, path):
    """node.json holds only the keys of its schema (components/install/nodeJsonSchema.ts): a misspelt key fails."""
    unknown = sorted(key for key in obj if key not in allowed)
    need(not unknown, (path + '.' if path else '') + str(unknown[0] if unknown else ''), 'is not a node.json key')


# Words a manager and this tool print all the time (the same list as EVERYDAY_WORDS in components/config/primitives.ts): a
# password inside one of them, or shorter than 8 characters, cannot be redacted without masking that word in every log.
EVERYDAY_WORDS = ('cloudify', 'manager', 'default_tenant', 'localhost', 'administrator', 'password', 'installation',
                  'configuration', 'cluster', 'snapshot', 'execution', 'services', 'running')


def check_secret(obj, key, path):
    check_str(obj, key, path)
    value = obj[key]
    need(len(value) >= 8, path, 'must be at least 8 characters (a shorter one cannot be told apart in logs)')
    need(not any(value.lower() in word for word in EVERYDAY_WORDS), path,
         'is part of a word Cloudify prints all the time (its redaction would mask that word in every log)')


def validate(cfg):
    need(isinstance(cfg, dict), '<top>', 'must be an object')
    check_keys(cfg, ('nodeName', 'privateIp', 'publicIp', 'fqdn', 'adminUsername', 'adminPassword', 'ldap',
                     'additionalConfig', 'installer', 'certificates', 'files', 'scripts', 'statusTimeoutSeconds',
                     'cluster'), '')
    for key in ('nodeName', 'privateIp', 'publicIp', 'adminUsername'):
        check_str(cfg, key, key)
    check_secret(cfg, 'adminPassword', 'adminPassword')
    check_str(cfg, 'fqdn', 'fqdn', optional=True)
    ldap = cfg.get('ldap')
    if ldap is not None:
        need(isinstance(ldap, dict), 'ldap', 'must be null or an object')
        check_keys(ldap, ('server', 'username', 'password', 'domain', 'dnExtra', 'isActiveDirectory'), 'ldap')
        for key in ('server', 'username', 'domain'):
            check_str(ldap, key, 'ldap.' + key)
        check_secret(ldap, 'password', 'ldap.password')
        check_str(ldap, 'dnExtra', 'ldap.dnExtra', optional=True)
        need(isinstance(ldap.get('isActiveDirectory'), bool), 'ldap.isActiveDirectory', 'must be true or false')
    need(isinstance(cfg.get('additionalConfig', {}), dict), 'additionalConfig', 'must be an object')
    installer = cfg.get('installer')
    need(isinstance(installer, dict) and (('rpm' in installer) != ('url' in installer)), 'installer',
         "must be an object with exactly one of 'rpm' or 'url'")
    if 'rpm' in installer:
        check_keys(installer, ('rpm',), 'installer')
        check_str(installer, 'rpm', 'installer.rpm', absolute=True)
    else:
        check_keys(installer, ('url', 'sha256'), 'installer')
        check_str(installer, 'url', 'installer.url', pattern=r'https://[^\s]+')
        check_str(installer, 'sha256', 'installer.sha256', optional=True, pattern=HEX64)
    certificates = cfg.get('certificates')
    need(isinstance(certificates, dict), 'certificates', 'must be an object')
    check_keys(certificates, ('dir',), 'certificates')
    check_str(certificates, 'dir', 'certificates.dir', absolute=True)
    files = cfg.get('files', [])
    need(isinstance(files, list), 'files', 'must be a list')
    for index, entry in enumerate(files):
        need(isinstance(entry, dict), 'files[%d]' % index, 'must be an object')
        check_keys(entry, ('src', 'dst'), 'files[%d]' % index)
        check_str(entry, 'src', 'files[%d].src' % index, absolute=True)
        check_str(entry, 'dst', 'files[%d].dst' % index, absolute=True)
    scripts = cfg.get('scripts', [])
    need(isinstance(scripts, list), 'scripts', 'must be a list')
    for index, script in enumerate(scripts):
        check_str({'s': script}, 's', 'scripts[%d]' % index, absolute=True)
    timeout = cfg.get('statusTimeoutSeconds', 900)
    need(isinstance(timeout, int) and not isinstance(timeout, bool) and timeout > 0, 'statusTimeoutSeconds',
         'must be a positive integer')
    cluster = cfg.get('cluster')
    if cluster is not None:
        need(isinstance(cluster, dict), 'cluster', 'must be null or an object')
        check_keys(cluster, ('role', 'leaderIp', 'nodeName'), 'cluster')
        need(cluster.get('role') in ('leader', 'member'), 'cluster.role', "must be 'leader' or 'member'")
        check_str(cluster, 'nodeName', 'cluster.nodeName')
        check_str(cluster, 'leaderIp', 'cluster.leaderIp', optional=cluster.get('role') == 'leader')


def values(cfg):
    """The scalars the stages use, as NUL-separated key/value pairs (bash reads them into an associative array)."""
    pairs = []
    for key in ('nodeName', 'privateIp', 'publicIp', 'adminUsername', 'adminPassword'):
        pairs.append((key, cfg[key]))
    for section, keys in (('installer', ('rpm', 'url', 'sha256')), ('certificates', ('dir',)),
                          ('cluster', ('role', 'leaderIp', 'nodeName'))):
        for key in keys:
            value = (cfg.get(section) or {}).get(key)
            if value is not None:
                pairs.append(('%s.%s' % (section, key), value))
    pairs.append(('statusTimeoutSeconds', str(cfg.get('statusTimeoutSeconds', 900))))
    files = cfg.get('files', [])
    pairs.append(('files.count', str(len(files))))
    for index, entry in enumerate(files):
        pairs.append(('files.%d.src' % index, entry['src']))
        pairs.append(('files.%d.dst' % index, entry['dst']))
    scripts = cfg.get('scripts', [])
    pairs.append(('scripts.count', str(len(scripts))))
    for index, script in enumerate(scripts):
        pairs.append(('scripts.%d' % index, script))
    return b''.join(text(key).encode('utf-8') + b'\0' + text(value).encode('utf-8') + b'\0' for key, value in pairs)


def deep_merge(base, override):
    import copy
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            deep_merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def config_yaml(cfg):
    certs = cfg['certificates']['dir'].rstrip('/')
    generated = {
        'manager': {
            'private_ip': cfg['privateIp'],
            'public_ip': cfg['publicIp'],
            'security': {
                'ssl_enabled': True,
                'admin_username': cfg['adminUsername'],
                'admin_password': cfg['adminPassword'],
            },
        },
        'ssl_inputs': {
            'external_cert_path': certs + '/external.crt',
            'external_key_path': certs + '/external.key',
            'internal_cert_path': certs + '/internal.crt',
            'internal_key_path': certs + '/internal.key',
            'ca_cert_path': certs + '/ca.pem',
        },
    }
    ldap = cfg.get('ldap')
    if ldap:
        generated['restservice'] = {'ldap': {
            'server': ldap['server'],
            'username': ldap['username'],
            'password': ldap['password'],
            'domain': ldap['domain'],
            'dn_extra': ldap.get('dnExtra') or '',
            'is_active_directory': ldap['isActiveDirectory'],
        }}
    deep_merge(generated, cfg.get('additionalConfig', {}))
    # JSON is valid YAML; sorted keys keep the file byte-identical across runs, so reruns change nothing.
    return json.dumps(generated, indent=2, sort_keys=True) + '\n'


def secret_values(obj, found):
    if isinstance(obj, dict):
        for key, value in obj.items():
            if SECRET_KEY.search(str(key)) and (is_str(value) or (isinstance(value, (int, float)) and
                                                                 not isinstance(value, bool))):
                if text(str(value) if not is_str(value) else value) != '':
                    found.add(text(str(value) if not is_str(value) else value))
            else:
                secret_values(value, found)
    elif isinstance(obj, list):
        for value in obj:
            secret_values(value, found)
    return found


def read_bytes(path):
    """The content of a file, or None when it cannot be read."""
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def installed_config_bytes():
    return read_bytes(os.environ.get('_CMOM_CONFIG_YAML', ''))


def installed_config(raw):
    """The manager's config.yaml (raw: its bytes, None when absent), parsed, or None (it may be YAML written by the
    installer and PyYAML may be missing)."""
    if raw is None:
        return None
    try:
        content = text(raw)
        return json.loads(content)
    except ValueError:
        try:
            import yaml
            return yaml.safe_load(content)
        except Exception:
            return None


def all_secrets(cfg):
    """Every form of every secret of node.json and of the installed config.yaml, longest first. config.yaml may change
    within a stage (the first install writes generated secrets into it), so it is read again for each request."""
    raw = installed_config_bytes()
    key = (json.dumps(cfg, sort_keys=True), raw)
    if key not in SECRETS_OF:
        SECRETS_OF.clear()
        SECRETS_OF[key] = secrets_of(cfg, installed_config(raw))
    return SECRETS_OF[key]


SECRETS_OF = {}  # the secrets of the last (node.json, config.yaml) seen: most requests of a stage see the same files


def secrets_of(cfg, installed):
    found = secret_values(cfg, set())
    url = (cfg.get('installer') or {}).get('url') or ''
    if '@' in url or '?' in url:  # credentials or a signed query in the download URL
        found.add(text(url))
    found = secret_values(installed, found)
    forms = all_forms(found)
    if is_str(cfg.get('adminUsername')) and is_str(cfg.get('adminPassword')):  # a Basic Authorization header
        import base64
        forms.add(text(base64.b64encode(('%s:%s' % (cfg['adminUsername'], cfg['adminPassword'])).encode('utf-8'))))
    return longest_first(forms)


def file_secrets(paths):
    """Every form of every secret-keyed value of the YAML (or JSON) files named, longest first."""
    found = set()
    for path in paths:
        try:
            with io.open(path, encoding='utf-8') as handle:
                content = handle.read()
        except (IOError, OSError) as error:
            fail('cannot read %s: %s' % (path, error.strerror))
        found = secret_values(parse(content, 'yaml', path), found)
    return longest_first(all_forms(found))


def all_forms(found):
    forms = set()
    for secret in found:
        forms.update(secret_forms(secret))
    return forms


def longest_first(forms):
    return sorted((form.encode('utf-8') for form in forms if form), key=len, reverse=True)


def secret_forms(secret):
    """The ways a secret shows in output: raw, JSON-escaped, as Python prints it (repr, also inside u'' on python 2),
    URL-encoded (in a URL or a form) and base64 (in an Authorization header)."""
    try:
        from urllib.parse import quote, quote_plus  # novm: python 2 takes the fallback below
    except ImportError:  # python 2
        from urllib import quote, quote_plus
    import base64
    raw = secret.encode('utf-8')
    escaped = text(secret.encode('unicode_escape'))  # backslashes, control and non-ASCII characters as repr shows them
    return set([
        secret,
        json.dumps(secret)[1:-1],
        escaped,
        escaped.replace("'", "\\'"),  # inside repr's single quotes
        text(quote(raw, safe='')),
        text(quote_plus(raw, safe='')),
        text(base64.b64encode(raw)).rstrip('='),
    ])


def redact_bytes(data, secrets):
    for secret in secrets:
        data = data.replace(secret, REDACTED.encode('utf-8'))
    return data


def redact_structure(obj):
    if isinstance(obj, dict):
        return dict((key, REDACTED if SECRET_KEY.search(str(key)) and not isinstance(value, (dict, list, bool))
                     and value is not None else redact_structure(value)) for key, value in obj.items())
    if isinstance(obj, list):
        return [redact_structure(value) for value in obj]
    return obj


# Compressed files a byte-wise redaction cannot see into: rotated logs are gzip; anything else is left out of the bundle.
UNREADABLE_MAGIC = (b'BZh', b'\xfd7zXZ\x00', b'PK\x03\x04', b'\x28\xb5\x2f\xfd')


def redact_tree(root, secrets):
    import gzip
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, 'rb') as handle:
                data = handle.read()
            if data[:2] == b'\x1f\x8b':
                with gzip.GzipFile(fileobj=io.BytesIO(data)) as packed:
                    cleaned = redact_bytes(packed.read(), secrets)
                with gzip.open(path, 'wb') as handle:
                    handle.write(cleaned)
            elif any(data.startswith(magic) for magic in UNREADABLE_MAGIC):
                os.remove(path)
                with open(path + '.left-out', 'w') as handle:
                    handle.write('compressed file left out: its content could not be redacted\n')
            else:
                cleaned = redact_bytes(data, secrets)
                if cleaned != data:
                    with open(path, 'wb') as handle:
                        handle.write(cleaned)


def table_rows(output):
    """The rows of the first table the cfy CLI printed (prettytable, the same on every 4.x CLI: --json exists only from
    4.5), as dicts keyed by the header; wrapped cells continue on rows whose first cell is empty."""
    rows, header = [], None
    for line in text(output).splitlines():
        line = line.strip()
        if not (line.startswith('|') and line.endswith('|')):
            if header is not None and line and not line.startswith('+'):
                break  # the table ended
            continue
        cells = [cell.strip() for cell in line[1:-1].split('|')]
        if header is None:
            header = cells
        elif cells[0] or not rows:
            rows.append(dict(zip(header, cells)))
        else:
            for key, cell in zip(header, cells):
                if cell:
                    rows[-1][key] = (rows[-1][key] + ' ' + cell).strip()
    return rows


def services_down(rows):
    """Names of the services of `cfy status` that are not running; None when the output holds no service table."""
    if not rows or 'service' not in rows[0]:
        return None
    return [row.get('service', '?') for row in rows if row.get('status') != 'running']


def find_node(rows, ip, name):
    for row in rows:
        if row.get('host_ip') == ip or row.get('name') == name:
            return row.get('name')
    return None


def merged_config(generated):
    """node.json's settings merged over the installed config.yaml, which keeps what the first install generated and
    wrote back (the flask_security keys: cfy_manager configure fails without them)."""
    installed = installed_config(installed_config_bytes())
    if not isinstance(installed, dict):
        fail('cannot read the installed %s (written back by the installer as YAML: this needs PyYAML on the node)'
             % os.environ.get('_CMOM_CONFIG_YAML'))
    password = lambda cfg: ((cfg.get('manager') or {}).get('security') or {}).get('admin_password')
    if password(installed) and password(generated) != password(installed):
        fail('adminPassword differs from the installed manager\'s: cfy_manager configure applies an admin password '
             'only with --clean-db, which empties the database; change it on the manager first (cfy users '
             'set-password), then in node.json')
    return json.dumps(deep_merge(installed, generated), indent=2, sort_keys=True) + '\n'


def first_pem_certificate(path):
    import ssl
    with io.open(path, encoding='utf-8') as handle:
        match = re.search(r'-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----', handle.read(), re.S)
    if not match:
        fail('%s holds no PEM certificate' % path)
    return ssl.PEM_cert_to_DER_cert(match.group(0))


def served_certificate(host, port, ca_file):
    import socket, ssl
    sock = socket.create_connection((host, port), timeout=30)
    try:
        if hasattr(ssl, 'create_default_context'):
            context = ssl.create_default_context(cafile=ca_file)
            # The chain is verified against our CA; the name check is replaced by the stricter exact-certificate pin below.
            context.check_hostname = False
            wrapped = context.wrap_socket(sock)
        else:  # python 2.7 before 2.7.9
            wrapped = ssl.wrap_socket(sock, ca_certs=ca_file, cert_reqs=ssl.CERT_REQUIRED,
                                      ssl_version=ssl.PROTOCOL_SSLv23)
        try:
            return wrapped.getpeercert(True)
        finally:
            wrapped.close()
    finally:
        sock.close()


def cert_match(host, port, ca_file, cert_file):
    import hashlib, socket, ssl
    expected = first_pem_certificate(cert_file)
    try:
        served = served_certificate(host, int(port), ca_file)
    except (socket.error, ssl.SSLError) as error:
        fail('TLS connection to %s:%s failed: %s' % (host, port, error))
    if served != expected:
        fail('the certificate served on %s:%s (sha256 %s) is not %s (sha256 %s)' % (
            host, port, hashlib.sha256(served).hexdigest()[:16], cert_file, hashlib.sha256(expected).hexdigest()[:16]))


def read_file(path):
    content = read_bytes(path)
    if content is None:
        fail('cannot read %s' % path)
    return content


def line(value):
    """What print() writes for the value."""
    return (value if is_str(value) else str(value)).encode('utf-8') + b'\n'


# The commands: each gets its arguments and its input (bytes) and returns its exit status and its output (bytes); a
# failure raises Failure with the reason.

def services_down_command(args, data):
    down = services_down(table_rows(data))
    if down is None:
        fail('cfy status gave no service list')
    return (1 if down else 0), line(', '.join(down))


def cluster_find_command(args, data):
    name = find_node(table_rows(data), args[0], args[1])
    return (1, b'') if name is None else (0, line(name))


def json_field_command(args, data):
    try:
        document = json.loads(text(data))
    except ValueError:
        document = None
    if not isinstance(document, dict) or args[0] not in document:
        fail("no '%s' in the JSON output" % args[0])
    value = document[args[0]]
    return 0, line(value if is_str(value) else json.dumps(value))


def table_lookup_command(args, data):
    """KEY-COLUMN VALUE COLUMN: that column of the rows whose KEY-COLUMN is VALUE."""
    return 0, b''.join(line(row.get(args[2], '')) for row in table_rows(data) if row.get(args[0]) == args[1])


def execution_id_command(args, data):
    match = re.search(r"execution'?s id is\s+([A-Za-z0-9_.-]+)", text(data))
    if not match:
        fail('no execution id in the cfy output')
    return 0, line(match.group(1))


def validate_command(args, data):
    try:
        validate(load_node_config())
    except Invalid as error:
        fail('config %s: %s' % (os.environ['_CMOM_CFG_PATH'], error))
    return 0, b''


def redacted_json_command(args, data):
    """The document (node.json or config.yaml, format args[0]) with every secret-keyed value masked."""
    document = parse(text(data), args[0], 'stdin')
    return 0, json.dumps(redact_structure(document), indent=2, sort_keys=True).encode('utf-8') + b'\n'


def log_output_command(args, data):
    """The output of a command the tool ran (the files args[1:], one after the other), every secret masked, appended to
    the log args[0], ended with a newline; answers its last line that is not blank (the reason when the command failed).
    Nothing unmasked reaches the log: the output is masked whole before the log is opened."""
    cleaned = redact_bytes(b''.join(read_file(path) for path in args[1:]), all_secrets(load_node_config()))
    if cleaned and not cleaned.endswith(b'\n'):
        cleaned += b'\n'
    with open(args[0], 'ab') as log:
        log.write(cleaned)
    lines = [output_line for output_line in cleaned.split(b'\n') if output_line.strip()]
    return 0, lines[-1] + b'\n' if lines else b''


def ready_command(args, data):
    """The interpreter has what every command needs (ssl for the served-certificate check)."""
    import ssl  # noqa: F401
    return 0, b''


def redact_tree_command(args, data):
    redact_tree(args[0], all_secrets(load_node_config()))
    return 0, b''


def cert_match_command(args, data):
    cert_match(*args)
    return 0, b''


COMMANDS = {  # name: (reads input, command)
    'services-down': (True, services_down_command),
    'cluster-find': (True, cluster_find_command),
    'json-field': (True, json_field_command),
    'table-lookup': (True, table_lookup_command),
    'execution-id': (True, execution_id_command),
    # stdin with every secret of the config files named (cmom-role's nodes) masked
    'redact-files': (True, lambda args, data: (0, redact_bytes(data, file_secrets(args)))),
    'redact': (True, lambda args, data: (0, redact_bytes(data, all_secrets(load_node_config())))),
    'redacted-json': (True, redacted_json_command),
    # stdin: the generated config.yaml
    'config-merge': (True, lambda args, data: (0, merged_config(json.loads(text(data))).encode('utf-8'))),
    'validate': (False, validate_command),
    'values': (False, lambda args, data: (0, values(load_node_config()))),
    'config-yaml': (False, lambda args, data: (0, config_yaml(load_node_config()).encode('utf-8'))),
    'redact-tree': (False, redact_tree_command),
    'cert-match': (False, cert_match_command),
    'log-output': (False, log_output_command),
    'ready': (False, ready_command),
}


def command_named(name):
    if name not in COMMANDS:
        fail('internal: unknown helper command %s' % name)
    return COMMANDS[name]


def binary(stream):
    return getattr(stream, 'buffer', stream)


def as_bytes(message):
    return message if isinstance(message, bytes) else message.encode('utf-8')


def reason(error):
    message = error.args[0] if error.args else ''
    return message if is_str(message) else str(message)


def run_once(name, args):
    """One command: its input on stdin, its output on stdout, a failure's reason on stderr (exit status 1)."""
    try:
        reads_input, command = command_named(name)
        status, output = command(args, binary(sys.stdin).read() if reads_input else b'')
    except Failure as error:
        binary(sys.stderr).write(as_bytes(reason(error)) + b'\n')
        sys.exit(1)
    binary(sys.stdout).write(output)
    sys.exit(status)


def read_field(requests):
    """One NUL-terminated field of a request; None at the end of the input."""
    field = b''
    while True:
        byte = requests.read(1)
        if not byte:
            return None
        if byte == b'\0':
            return field
        field += byte


def native(field):
    """A request field as the str type of this python (bytes on 2, text on 3, as sys.argv holds them)."""
    return field if str is bytes else field.decode('utf-8')


def serve():
    """Answers requests until its input ends. A request is NUL-terminated fields: their count, the command, the file it
    reads (empty for none), the file its output goes to (always rewritten), its arguments. The answer is one line: the
    exit status and, after a failure, its reason."""
    requests, answers = binary(sys.stdin), binary(sys.stdout)
    while True:
        count = read_field(requests)
        fields = [read_field(requests) for _ in range(int(count or 0))]
        if count is None or None in fields or len(fields) < 3:
            return  # the tool ended
        name, source, target, args = native(fields[0]), native(fields[1]), native(fields[2]), \
            [native(field) for field in fields[3:]]
        status, output, message = 1, b'', b''
        try:
            command = command_named(name)[1]
            status, output = command(args, read_file(source) if source else b'')
        except Failure as error:
            message = as_bytes(reason(error))
        except Exception as error:  # a failure all the same: the stage fails naming it
            message = as_bytes('internal error in %s: %s: %s' % (name, type(error).__name__, reason(error)))
        try:
            with open(target, 'wb') as handle:
                handle.write(output)
        except (IOError, OSError) as error:
            status, message = 1, as_bytes('cannot write %s: %s' % (target, error.strerror))
        answers.write(str(status).encode('ascii') + b' ' + message.replace(b'\n', b' ') + b'\n')
        answers.flush()


def main(argv):
    if argv[:1] == ['serve']:
        serve()
    else:
        run_once(argv[0], argv[1:])


main(sys.argv[1:])
