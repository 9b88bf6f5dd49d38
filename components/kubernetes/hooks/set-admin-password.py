"""Sets a Cloudify Manager user's password to the value read on stdin, unless it already is that password.

Runs with the manager's own Python (/opt/manager/env/bin/python) and the calls of the manager's own admin-password reset
script (manager_rest's flask app, user_datastore, flask_security's hashing), but takes the password on stdin so that it
never appears on a command line. Prints `unchanged` or `updated`; never prints the password. Python 2.7 and 3.x.
"""
from __future__ import print_function

import argparse
import os
import sys

REST_CONFIG = '/opt/manager/cloudify-rest.conf'
SECURITY_CONFIG = '/opt/manager/rest-security.conf'


def load_manager_config(config):
    config.instance.load_from_file(REST_CONFIG)
    if os.path.exists(SECURITY_CONFIG):
        config.instance.load_from_file(SECURITY_CONFIG, namespace='security')
    # Older managers need the explicit call; newer ones load the rest from the database with the app.
    if hasattr(config.instance, 'load_configuration'):
        config.instance.load_configuration()


def set_password(username, password):
    from flask_security.utils import hash_password, verify_password
    from manager_rest import config
    from manager_rest.flask_utils import setup_flask_app
    from manager_rest.storage import user_datastore

    load_manager_config(config)
    with setup_flask_app().app_context():
        user = user_datastore.get_user(username)
        if user is None:
            raise SystemExit('no user named {0} on this manager'.format(username))
        if verify_password(password, user.password) and user.active and not user.failed_logins_counter:
            return 'unchanged'
        user.password = hash_password(password)
        # A lockout after failed logins with the old password would otherwise outlive the reset.
        user.failed_logins_counter = 0
        user.active = True
        user_datastore.commit()
        return 'updated'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--username', required=True)
    args = parser.parse_args()
    password = sys.stdin.read()
    if not password:
        raise SystemExit('no password on stdin')
    print(set_password(args.username, password))


if __name__ == '__main__':
    main()
