"""One structured line per request, and its id on the response."""

import json
import logging

from posventa.common.logs import JsonFormatter, RequestIdFilter


def test_each_request_gets_an_id_in_a_header_and_one_line_with_who_what_and_how_long(
    client, executive, caplog
):
    client.force_login(executive)
    with caplog.at_level(logging.INFO, logger="posventa.request"):
        response = client.get("/bandeja/")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    (line,) = [r for r in caplog.records if r.name == "posventa.request"]
    assert (line.method, line.path, line.status, line.user_id) == (
        "GET",
        "/bandeja/",
        200,
        executive.pk,
    )
    assert line.duration_ms >= 0
    entry = json.loads(JsonFormatter().format(_stamped(line, request_id)))
    assert entry["request_id"] == request_id and entry["status"] == 200


def test_a_proxys_request_id_is_kept_and_a_hostile_one_replaced(client, db):
    kept = client.get("/health/live", headers={"X-Request-ID": "lb-0123456789abcdef"})
    assert kept["X-Request-ID"] == "lb-0123456789abcdef"
    replaced = client.get("/health/live", headers={"X-Request-ID": "<script>\nx"})
    assert replaced["X-Request-ID"] != "<script>\nx" and len(replaced["X-Request-ID"]) == 32


def test_an_error_is_one_json_line_with_its_traceback():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed", (), exc_info=__import__("sys").exc_info()
        )
    text = JsonFormatter().format(record)
    assert "\n" not in text
    entry = json.loads(text)
    assert entry["level"] == "ERROR" and "ValueError: boom" in entry["traceback"]


def _stamped(record, request_id):
    from posventa.common.logs import request_id_var

    token = request_id_var.set(request_id)
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    return record
