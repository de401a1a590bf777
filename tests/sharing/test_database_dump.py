"""What a database dump holds after sharing: nothing an app could use without its private key."""

from tests.support.dumps import assert_absent, postgres_dump

from .conftest import ATTESTATIONS_URL, create_grant, create_record

# Long enough that no dump holds them by chance (a 3-digit CVV would match timestamps).
SECRET_VALUES = {
    "holder": "Zebedee Quartermain-Oyelaran",
    "number": "4000056655665556",
}
SECRET_NOTE = "Vault-combination-Marigold-5521-Heliotrope"
SECRET_LABEL = "Kestrel-Umbrella-Card"
ATTESTED = "Fjordvalley-Plaza-17"


def test_no_granted_value_or_attested_payload_is_in_a_database_dump(transactional_db, alice, register_app):
    alice.setup_vault().unlock()
    app = register_app()
    card = create_record(alice, "bank_card", label=SECRET_LABEL, data={
        **SECRET_VALUES, "expiry_month": 7, "expiry_year": 2039, "cvv": "987",
    })
    note = create_record(alice, "note", data={"title": "Safe", "text": SECRET_NOTE})
    create_grant(alice, app, [{"record_id": card["id"], "fields": None}, {"record_id": note["id"], "fields": ["text"]}])
    signed = alice.client.post(ATTESTATIONS_URL, {"purpose": "location-fix", "payload": {"place": ATTESTED}}, format="json")
    assert signed.status_code == 200

    [served] = app.fetch()
    _, document_bytes = app.open(served)
    assert SECRET_VALUES["number"].encode() in document_bytes and SECRET_NOTE.encode() in document_bytes

    dump = postgres_dump()
    assert b"sharing_grant" in dump
    for name, value in SECRET_VALUES.items():
        assert_absent(dump, value, f"granted {name}")
    assert_absent(dump, SECRET_NOTE, "granted note text")
    assert_absent(dump, SECRET_LABEL, "record label")
    assert_absent(dump, ATTESTED, "attested payload")
    assert_absent(dump, document_bytes, "grant document")
