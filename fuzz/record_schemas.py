"""Record request bodies, parsed and validated as POST /api/v1/records/ does it.

Untrusted input: the request body. records.api.parsers.RecordJSONParser may raise
only ParseError or PayloadTooLarge, RecordCreateInput and Kind.validate only
ValidationError. What validates is canonical: validating it again gives it back
unchanged, its expiry and derived fields compute, and it survives the payload
encoding that is sealed (records.sealing) unchanged.
"""

from __future__ import annotations

import io

from fuzz import harness

harness.django_setup()

from rest_framework.exceptions import ParseError, ValidationError  # noqa: E402

from records.api.parsers import RecordJSONParser  # noqa: E402
from records.api.serializers import RecordCreateInput  # noqa: E402
from records.errors import PayloadTooLarge  # noqa: E402
from records.schemas import KINDS  # noqa: E402
from records.sealing import Payload, decode_payload, encode_payload  # noqa: E402

PARSER = RecordJSONParser()


def one_input(data: bytes) -> None:
    try:
        body = PARSER.parse(io.BytesIO(data))
    except (ParseError, PayloadTooLarge):
        return
    request = RecordCreateInput(data=body)
    if not request.is_valid():
        return
    fields = request.validated_data
    kind = KINDS[fields["kind"]]
    try:
        data = kind.validate(fields["data"])
    except ValidationError:
        return
    assert kind.validate(data) == data, "validated data is not canonical"
    kind.expires_on(data)
    kind.derived(data)
    payload = decode_payload(encode_payload(Payload(label=fields["label"], data=data)))
    assert payload.data == data and payload.label == fields["label"]


if __name__ == "__main__":
    harness.main(one_input, instrument=(*harness.DEFAULT_INSTRUMENTED, "records.api", "records.sealing"))
