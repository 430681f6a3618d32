"""Project configuration package.

PyMySQL stands in for mysqlclient so that MySQL/MariaDB works without a C toolchain
or the MariaDB client headers on the server.
"""

import pymysql

pymysql.install_as_MySQLdb()

from .celery import app as celery_app  # noqa: E402

__all__ = ("celery_app",)
