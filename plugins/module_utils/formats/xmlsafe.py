# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsing untrusted XML (libvirt domain, volume, network XML) with a hardened lxml parser.

``parse_xml(data, *, root_tag=None) -> lxml.etree._Element``
    ``data`` is ``str`` or ``bytes`` (an XML declaration with an encoding is fine in
    both). The parser never loads a DTD, never substitutes entities and never goes
    to the network; comments and processing instructions are dropped. Raises
    ``DomainXmlError`` for malformed XML, a document type declaration that declares
    entities or names an external DTD, input over ``MAX_XML_BYTES``, or a root
    element other than ``root_tag`` (when given).

``require_lxml()`` raises ``VirtEsxError`` when lxml is not installed.
"""

from __future__ import annotations

import codecs
import re

from ansible_collections.virt.esx.plugins.module_utils.errors import DomainXmlError, VirtEsxError

try:
    from lxml import etree
    HAS_LXML = True
    LXML_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - depends on the controller
    etree = None
    HAS_LXML = False
    LXML_IMPORT_ERROR = exc

__all__ = ["parse_xml", "require_lxml", "MAX_XML_BYTES", "HAS_LXML"]

# libvirt refuses configuration files above 10 MiB; a domain XML is a few KiB.
MAX_XML_BYTES = 10 * 1024 * 1024

_XML_DECLARATION_RE = re.compile(r"\A\s*<\?xml\b[^>]*\?>")
_BYTES_ENCODING_RE = re.compile(rb"\A\s*<\?xml\b[^>]*?\bencoding\s*=\s*[\"']([A-Za-z0-9._\-]+)[\"']")
# The only document type declaration accepted: a bare root name, no external id, no internal subset.
_DOCTYPE_RE = re.compile(r"<!DOCTYPE\b")
_HARMLESS_DOCTYPE_RE = re.compile(r"<!DOCTYPE\s+[^\s\[\]<>'\"]+\s*>")
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def require_lxml() -> None:
    if not HAS_LXML:
        raise VirtEsxError("the Python library lxml is required for libvirt XML handling: %s" % (LXML_IMPORT_ERROR,))


def _parser():
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def _check_doctype(tree) -> None:
    docinfo = tree.docinfo
    dtd = docinfo.internalDTD
    if dtd is not None and any(True for dummy in dtd.iterentities()):
        raise DomainXmlError("XML with entity declarations is not accepted")
    if docinfo.system_url or docinfo.public_id:
        raise DomainXmlError("XML that refers to an external DTD is not accepted")


def _decode(data: bytes) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            break
    else:
        match = _BYTES_ENCODING_RE.match(data)
        codec = match.group(1).decode("ascii") if match else "utf-8"
    try:
        return data.decode(codec)
    except LookupError:
        raise DomainXmlError("XML input declares an unknown encoding '%s'" % codec) from None
    except UnicodeError as err:
        raise DomainXmlError("XML input is not valid %s: %s" % (codec, err)) from None


def _refuse_dangerous_doctype(text: str) -> None:
    # Checked before lxml sees the text: libxml2 reads parameter entities of the internal
    # subset even when DTD loading is off, and its error messages could echo their content.
    for found in _DOCTYPE_RE.finditer(text):
        if not _HARMLESS_DOCTYPE_RE.match(text, found.start()):
            raise DomainXmlError("XML with a DTD (entity declarations or an external DTD) is not accepted")


def parse_xml(data, *, root_tag=None):
    """Parse untrusted XML text or bytes; see the module documentation."""
    require_lxml()
    if isinstance(data, (bytes, bytearray, memoryview)):
        if len(data) > MAX_XML_BYTES:
            raise DomainXmlError("XML input is larger than %d bytes" % MAX_XML_BYTES)
        data = _decode(bytes(data))
    elif not isinstance(data, str):
        raise DomainXmlError("XML input must be text or bytes, not %s" % type(data).__name__)
    if len(data) > MAX_XML_BYTES:
        raise DomainXmlError("XML input is larger than %d characters" % MAX_XML_BYTES)
    # lxml refuses str input that carries an encoding declaration; the text is decoded already.
    data = _XML_DECLARATION_RE.sub("", data.lstrip("\ufeff"), count=1)
    _refuse_dangerous_doctype(data)
    if not data.strip():
        raise DomainXmlError("XML input is empty")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as err:
        if "XML_PARSE_HUGE" in str(err) or "Resource limit exceeded" in str(err):
            # libxml2's own words name a parser flag the user cannot set; say what is too large instead.
            raise DomainXmlError("XML input has a text or attribute value of more than 10,000,000 characters "
                                 "(line %s); nothing in libvirt XML is that long" % (err.lineno,)) from None
        raise DomainXmlError("malformed XML: %s" % (err,)) from None
    except (ValueError, TypeError) as err:
        raise DomainXmlError("unreadable XML: %s" % (err,)) from None
    if root is None:
        raise DomainXmlError("XML input has no root element")
    _check_doctype(root.getroottree())
    for node in root.iter():
        if not isinstance(node.tag, str):
            # Entity references left unexpanded; never expected in libvirt XML.
            raise DomainXmlError("XML with entity references is not accepted")
    if root_tag is not None and root.tag != root_tag:
        raise DomainXmlError("expected a <%s> root element but found <%s>" % (root_tag, root.tag))
    return root
