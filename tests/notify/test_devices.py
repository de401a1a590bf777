"""What counts as the same device: versionless browser and system, and the /24 or /48 network."""

import pytest

from notify.devices import device_hmac, device_label, network_of

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Mobile Safari/537.36")
EDGE_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87")
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
CHROME_MAC = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/126.0.0.0 Safari/537.36")


@pytest.mark.parametrize(("user_agent", "label"), [
    (FIREFOX_LINUX, "Firefox on Linux"),
    (CHROME_ANDROID, "Chrome on Android"),
    (EDGE_WINDOWS, "Edge on Windows"),
    (SAFARI_IPHONE, "Safari on iOS"),
    (CHROME_MAC, "Chrome on macOS"),
    ("python-requests/2.32.3", "python-requests"),
    ("curl/8.5.0", "curl"),
    ("", "an unknown program"),
    ("<script>/1", "an unknown program"),
])
def test_it_names_the_client_without_versions(user_agent, label):
    assert device_label(user_agent) == label


def test_a_browser_update_is_the_same_device():
    assert device_label(FIREFOX_LINUX) == device_label(FIREFOX_LINUX.replace("128.0", "131.0"))


@pytest.mark.parametrize(("address", "network"), [
    ("203.0.113.7", "203.0.113.0/24"),
    ("203.0.113.250", "203.0.113.0/24"),
    ("::ffff:203.0.113.7", "203.0.113.0/24"),
    ("2001:db8:abcd:12:1::7", "2001:db8:abcd::/48"),
    ("not an address", "unknown"),
    (None, "unknown"),
])
def test_it_reduces_an_address_to_its_network(address, network):
    assert network_of(address) == network


def test_the_hash_is_keyed_and_separates_label_and_network(settings):
    settings.SECRET_KEY = "k" * 50
    digest = device_hmac(label="Firefox on Linux", network="203.0.113.0/24")
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert digest == device_hmac(label="Firefox on Linux", network="203.0.113.0/24")
    assert digest != device_hmac(label="Firefox on Linux", network="198.51.100.0/24")
    assert digest != device_hmac(label="Chrome on Linux", network="203.0.113.0/24")
    settings.SECRET_KEY = "j" * 50
    assert digest != device_hmac(label="Firefox on Linux", network="203.0.113.0/24")
