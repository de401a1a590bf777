from records.schemas.countries import ALPHA3
from web.countries import COUNTRY_NAMES


def test_the_country_picker_offers_exactly_the_codes_the_schemas_accept():
    assert set(COUNTRY_NAMES) == set(ALPHA3)
