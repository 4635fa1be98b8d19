"""The WSGI application for running gunicorn by hand:

    gunicorn -c handlers/gunicorn_conf.py handlers.wsgi:application

`deskbot serve` runs the same app under the same config (and builds it once before forking).
"""
from bot.config import get_settings
from handlers.app import build_app
from handlers.web import make_wsgi

_settings = get_settings()
application = make_wsgi(build_app(_settings), _settings)
