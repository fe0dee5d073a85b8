# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""XML text as libvirt writes it (what ``virsh ...-dumpxml`` and ``virsh capabilities`` print).

Pure Python; lxml is not needed to write.

``XmlElement(tag, attributes=(), text=None, children=None, open_when_empty=False)``
    One element: ``attributes`` is a sequence of (name, value) pairs, written in that
    order; pairs whose value is None are left out. ``text`` None means no text at
    all (``<tag/>``), ``''`` an empty one (``<tag></tag>``). ``children`` is a list of
    XmlElement (``add`` appends one and returns it). An element has text or children,
    never both. ``open_when_empty`` writes a childless element as a start and an end
    tag on lines of their own, as libvirt writes a volume's ``<source>``.
``format_xml(element) -> str``
    Two-space indentation, single-quoted attributes, each element on a line of its
    own, no XML declaration, a final newline.
``escape_markup(value) -> str``
    libvirt's escaping of a string: ``& < > ' "`` as entities, nothing else (for XML
    text written into other formats, and for SOAP requests).
``escape_text(value) -> str`` / ``escape_attribute(value) -> str``
    ``escape_markup`` for element text and attribute values. Beyond libvirt, a carriage
    return (and, in attributes, a tab or line feed) is written as a character
    reference, since a parser's end-of-line and attribute-value normalisation would
    otherwise change it.
``xml_safe_text(value) -> str``
    ``value`` as text XML can carry: control characters other than tab, line feed and
    carriage return are dropped (as libvirt drops them), lone surrogates become
    U+FFFD, and U+FFFE/U+FFFF are dropped. ``format_xml`` applies it to every text and
    attribute value.
"""

from __future__ import annotations

import re

__all__ = ["XmlElement", "format_xml", "escape_markup", "escape_text", "escape_attribute", "xml_safe_text"]

_DROPPED_CHARS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SURROGATES_RE = re.compile("[\ud800-\udfff]")
_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;",
             "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
_MARKUP_RE = re.compile("[<>&'\"]")
_TEXT_ESCAPED_RE = re.compile("[<>&'\"\r]")
_ATTRIBUTE_ESCAPED_RE = re.compile("[<>&'\"\t\n\r]")
_INDENT = "  "


def xml_safe_text(value) -> str:
    """``value`` as text that XML can carry (see the module documentation)."""
    text = value if isinstance(value, str) else str(value)
    return _SURROGATES_RE.sub("\ufffd", _DROPPED_CHARS_RE.sub("", text))


def _entity(match):
    return _ENTITIES[match.group(0)]


def escape_markup(value) -> str:
    """``& < > ' "`` as entities (see the module documentation)."""
    return _MARKUP_RE.sub(_entity, value if isinstance(value, str) else str(value))


def escape_text(value) -> str:
    """Element text with libvirt's entities (see the module documentation)."""
    return _TEXT_ESCAPED_RE.sub(_entity, value if isinstance(value, str) else str(value))


def escape_attribute(value) -> str:
    """An attribute value with libvirt's entities, safe inside single or double quotes."""
    return _ATTRIBUTE_ESCAPED_RE.sub(_entity, value if isinstance(value, str) else str(value))


class XmlElement:
    """One element of a document to write; see the module documentation."""

    __slots__ = ("tag", "attributes", "text", "children", "open_when_empty")

    def __init__(self, tag, attributes=(), text=None, children=None, open_when_empty=False):
        self.tag = tag
        self.attributes = [(name, value) for name, value in attributes if value is not None]
        self.text = text
        self.children = list(children or [])
        self.open_when_empty = open_when_empty

    def add(self, tag, attributes=(), text=None, open_when_empty=False):
        """Append a child element and return it."""
        child = XmlElement(tag, attributes, text, open_when_empty=open_when_empty)
        self.children.append(child)
        return child


def _write(element, depth, out):
    if element.text is not None and element.children:
        raise ValueError("<%s> has both text and child elements; libvirt XML never mixes them" % element.tag)
    indent = _INDENT * depth
    start = indent + "<" + element.tag + "".join(
        " %s='%s'" % (name, escape_attribute(xml_safe_text(value))) for name, value in element.attributes)
    if element.children:
        out.append(start + ">\n")
        for child in element.children:
            _write(child, depth + 1, out)
        out.append("%s</%s>\n" % (indent, element.tag))
    elif element.text is not None:
        out.append("%s>%s</%s>\n" % (start, escape_text(xml_safe_text(element.text)), element.tag))
    elif element.open_when_empty:
        out.append("%s>\n%s</%s>\n" % (start, indent, element.tag))
    else:
        out.append(start + "/>\n")


def format_xml(element) -> str:
    """``element`` and its children as libvirt writes XML (see the module documentation)."""
    out = []
    _write(element, 0, out)
    return "".join(out)
