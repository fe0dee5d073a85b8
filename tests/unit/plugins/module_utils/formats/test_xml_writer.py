# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one XML writer: libvirt's layout, quoting and escaping."""

from __future__ import annotations

import pytest

from ansible_collections.virt.esx.plugins.module_utils.formats.xml_writer import (
    XmlElement, escape_attribute, escape_markup, escape_text, format_xml, xml_safe_text)

etree = pytest.importorskip('lxml.etree')


def test_layout_is_two_space_indentation_with_single_quoted_attributes():
    root = XmlElement('pool', [('type', 'dir')])
    root.add('name', text='ds1')
    target = root.add('target')
    target.add('format', [('type', 'auto')])
    assert format_xml(root) == ("<pool type='dir'>\n"
                                "  <name>ds1</name>\n"
                                "  <target>\n"
                                "    <format type='auto'/>\n"
                                "  </target>\n"
                                "</pool>\n")


def test_attributes_keep_their_order_and_none_values_are_left_out():
    element = XmlElement('topology', [('sockets', '2'), ('dies', None), ('cores', '4'), ('threads', '1')])
    assert format_xml(element) == "<topology sockets='2' cores='4' threads='1'/>\n"
    assert format_xml(XmlElement('b', [('z', '1'), ('a', '2')])) == "<b z='1' a='2'/>\n"


def test_empty_elements_self_close_empty_text_does_not_and_open_when_empty_spans_two_lines():
    root = XmlElement('volume')
    root.add('power_management')
    root.add('path', text='')
    root.add('source', open_when_empty=True)
    assert format_xml(root) == "<volume>\n  <power_management/>\n  <path></path>\n  <source>\n  </source>\n</volume>\n"


@pytest.mark.parametrize('char, entity', [('&', '&amp;'), ('<', '&lt;'), ('>', '&gt;'), ("'", '&apos;'), ('"', '&quot;')])
def test_each_special_character_is_an_entity_in_text_and_attributes(char, entity):
    element = XmlElement('name', [('value', 'a%sb' % char)], text='c%sd' % char)
    assert format_xml(element) == "<name value='a%sb'>c%sd</name>\n" % (entity, entity)
    parsed = etree.fromstring(format_xml(element))
    assert (parsed.get('value'), parsed.text) == ('a%sb' % char, 'c%sd' % char)


def test_white_space_survives_a_parser():
    element = XmlElement('description', [('value', 'tab\tline\ncr\r')], text='line\nfeed\r\ttab')
    text = format_xml(element)
    assert text == "<description value='tab&#9;line&#10;cr&#13;'>line\nfeed&#13;\ttab</description>\n"
    parsed = etree.fromstring(text)
    assert (parsed.get('value'), parsed.text) == ('tab\tline\ncr\r', 'line\nfeed\r\ttab')


def test_escapers_for_markup_text_and_attributes():
    assert escape_markup('<a href="x">&\'\r\n') == '&lt;a href=&quot;x&quot;&gt;&amp;&apos;\r\n'
    assert escape_text('a\rb\nc\td') == 'a&#13;b\nc\td'
    assert escape_attribute('a\rb\nc\td') == 'a&#13;b&#10;c&#9;d'
    assert escape_markup(42) == '42'


def test_characters_xml_cannot_carry_are_dropped_or_replaced():
    assert xml_safe_text('a\x00b\x07c\x1fd\ufffee\uffff') == 'abcde'
    assert xml_safe_text('keep\t\n\r') == 'keep\t\n\r'
    assert xml_safe_text('lone \ud800 surrogate') == 'lone \ufffd surrogate'
    assert xml_safe_text(7) == '7'
    assert format_xml(XmlElement('name', [('a', 'x\x01y')], text='b\x02c')) == "<name a='xy'>bc</name>\n"


def test_text_and_children_together_are_refused():
    element = XmlElement('mixed', text='text')
    element.add('child')
    with pytest.raises(ValueError, match='both text and child elements'):
        format_xml(element)


def test_non_text_values_are_written_as_text():
    assert format_xml(XmlElement('capacity', [('unit', 'bytes')], text=1024)) == "<capacity unit='bytes'>1024</capacity>\n"
