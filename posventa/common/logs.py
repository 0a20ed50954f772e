"""Logs for a machine to read: one JSON object per line on stdout, each
carrying the id of the request it belongs to (if any), so that a request's
line, its warnings and its traceback can be found together."""

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

# The id of the request being served on this thread; "" outside a request
# (the worker, a management command).
request_id_var: ContextVar[str] = ContextVar("request_id", default="")

# LogRecord attributes that are not the caller's `extra=`.
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class RequestIdFilter(logging.Filter):
    """Stamps every record with the current request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", "request_id", …extra, "traceback"}`."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "")
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
