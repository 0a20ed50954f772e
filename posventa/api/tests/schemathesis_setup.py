"""What the two schemathesis runs share (/api/v1/ and /tmf-api/): the
document read through the WSGI application, bounded and deterministic, and
the checks every answer must pass."""

import schemathesis
from django.core.wsgi import get_wsgi_application
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def wsgi_schema(path: str):
    """The OpenAPI document at `path`, 25 examples an operation, the same
    every run; unknown query parameters are not sent, and the token is ours."""
    schema = schemathesis.openapi.from_wsgi(path, get_wsgi_application())
    schema.config.generation.update(
        max_examples=25,
        deterministic=True,
        database="none",
        allow_extra_parameters=False,
        with_security_parameters=False,
    )
    return schema
