# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Untrusted domain XML must not read local files, reach the network or expand entity bombs."""

from __future__ import annotations

import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from ansible_collections.virt.esx.plugins.module_utils.errors import DomainXmlError, VirtEsxError
from ansible_collections.virt.esx.plugins.module_utils.formats.xmlsafe import parse_xml

pytest.importorskip("lxml")

MINIMAL_DOMAIN = """<domain type='vmware'>
  <name>%s</name>
  <uuid>564d9bef-acd9-b4e0-c8f0-aea8b9103515</uuid>
  <memory unit='KiB'>4096</memory>
  <os><type>hvm</type></os>
</domain>
"""


@pytest.fixture
def secret_file(tmp_path):
    marker = "SECRET-%s" % uuid.uuid4().hex
    path = tmp_path / "secret.txt"
    path.write_text(marker)
    return path, marker


class _RecordingHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server API
        self.server.requests.append(self.path)
        body = b'<!ENTITY leak "LEAKED-OVER-HTTP">'
        self.send_response(200)
        self.send_header("Content-Type", "application/xml-dtd")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    server = HTTPServer(("127.0.0.1", 0), _RecordingHandler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _attacks(secret_path, url):
    file_url = secret_path.as_uri()
    return {
        "external-file-entity": '<!DOCTYPE domain [<!ENTITY x SYSTEM "%s">]>' % file_url + MINIMAL_DOMAIN % "&x;",
        "external-http-entity": '<!DOCTYPE domain [<!ENTITY x SYSTEM "%s/entity">]>' % url + MINIMAL_DOMAIN % "&x;",
        "external-dtd": '<!DOCTYPE domain SYSTEM "%s/domain.dtd">' % url + MINIMAL_DOMAIN % "&leak;",
        "public-dtd": '<!DOCTYPE domain PUBLIC "-//x//y" "%s/public.dtd">' % url + MINIMAL_DOMAIN % "n",
        "parameter-entity-file": '<!DOCTYPE domain [<!ENTITY %% p SYSTEM "%s"> %%p;]>' % file_url + MINIMAL_DOMAIN % "n",
        "error-based-exfiltration": (
            '<!DOCTYPE domain [<!ENTITY %% file SYSTEM "%s">'
            '<!ENTITY %% eval "<!ENTITY &#x25; error SYSTEM \'file:///nonexistent/%%file;\'>">%%eval;%%error;]>'
            % file_url) + MINIMAL_DOMAIN % "n",
        "http-parameter-entity": '<!DOCTYPE domain [<!ENTITY %% p SYSTEM "%s/p.dtd"> %%p;]>' % url + MINIMAL_DOMAIN % "&leak;",
        "utf16-external-entity": ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE domain [<!ENTITY x SYSTEM "%s">]>'
                                  % file_url + MINIMAL_DOMAIN % "&x;").encode("utf-16"),
        "xinclude": MINIMAL_DOMAIN.replace(
            "<name>%s</name>", '<name><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="%s" parse="text"/></name>'
            % file_url),
    }


ATTACK_NAMES = [
    "external-file-entity", "external-http-entity", "external-dtd", "public-dtd", "parameter-entity-file",
    "error-based-exfiltration", "http-parameter-entity", "utf16-external-entity", "xinclude",
]


def _convert_to_vmx(xml):
    from ansible_collections.virt.esx.plugins.module_utils.formats.domain import domain_xml_to_vmx

    return domain_xml_to_vmx(xml, virtual_hw_version=8, format_file=lambda source: source)


def _converters():
    converters = [pytest.param(parse_xml, id="xmlsafe.parse_xml")]
    converters.append(pytest.param(_convert_to_vmx, id="domain_xml_to_vmx"))
    return converters


def _serialise(result):
    if isinstance(result, str):
        return result
    from lxml import etree

    return etree.tostring(result, encoding="unicode")


@pytest.mark.parametrize("convert", _converters())
@pytest.mark.parametrize("attack", ATTACK_NAMES)
def test_hostile_xml_leaks_nothing_and_stays_offline(attack, convert, secret_file, http_server):
    path, marker = secret_file
    url = "http://127.0.0.1:%d" % http_server.server_address[1]
    document = _attacks(path, url)[attack]
    try:
        result = convert(document)
    except VirtEsxError as err:
        assert marker not in str(err)
        assert "LEAKED-OVER-HTTP" not in str(err)
    else:
        text = _serialise(result)
        assert marker not in text
        assert "LEAKED-OVER-HTTP" not in text
    assert http_server.requests == []


@pytest.mark.parametrize("attack", ["external-file-entity", "external-dtd", "parameter-entity-file", "error-based-exfiltration"])
def test_parse_xml_refuses_documents_with_a_dtd(attack, secret_file, http_server):
    path, _marker = secret_file
    with pytest.raises(DomainXmlError, match="DTD"):
        parse_xml(_attacks(path, "http://127.0.0.1:%d" % http_server.server_address[1])[attack])


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join('<!ENTITY lol%d "%s">' % (i, ("&lol%s;" % ("" if i == 1 else i - 1)) * 10) for i in range(1, 10))
    + ']>' + MINIMAL_DOMAIN % "&lol9;")

QUADRATIC_BLOWUP = '<!DOCTYPE domain [<!ENTITY a "%s">]>' % ("x" * 100000) + MINIMAL_DOMAIN % ("&a;" * 1000)


@pytest.mark.parametrize("convert", _converters())
@pytest.mark.parametrize("document", [BILLION_LAUGHS, QUADRATIC_BLOWUP], ids=["billion-laughs", "quadratic-blowup"])
def test_entity_bombs_are_refused_quickly(document, convert):
    started = time.monotonic()
    with pytest.raises(VirtEsxError):
        convert(document)
    assert time.monotonic() - started < 5


def test_undeclared_entities_are_errors():
    with pytest.raises(DomainXmlError):
        parse_xml(MINIMAL_DOMAIN % "&nbsp;")


def test_harmless_input_still_parses():
    root = parse_xml('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE domain>\n<!-- c --><?pi x?>'
                     + MINIMAL_DOMAIN % "a &lt;b&gt; &#228;", root_tag="domain")
    assert root.findtext("name") == "a <b> \u00e4"
    assert len(root) == 4  # comments and processing instructions are dropped


@pytest.mark.parametrize("document", ["", "   ", "<domain>", "<a/><b/>", "not xml", b"\xff\xfe\x00", 42])
def test_malformed_input_is_a_domain_xml_error(document):
    with pytest.raises(DomainXmlError):
        parse_xml(document)


def test_root_tag_is_checked():
    with pytest.raises(DomainXmlError, match="<domain>"):
        parse_xml("<network/>", root_tag="domain")


def test_oversized_input_is_refused(monkeypatch):
    from ansible_collections.virt.esx.plugins.module_utils.formats import xmlsafe

    monkeypatch.setattr(xmlsafe, "MAX_XML_BYTES", 100)
    with pytest.raises(DomainXmlError, match="larger"):
        parse_xml("<domain>%s</domain>" % ("x" * 200))
