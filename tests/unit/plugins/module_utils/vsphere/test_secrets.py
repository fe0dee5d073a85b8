# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets inside options are registered as no_log values before anything can fail."""

from __future__ import annotations

import json

import pytest

from ansible_collections.virt.esx.plugins.module_utils.esx_module import EsxModule
from ansible_collections.virt.esx.plugins.module_utils.formats.secrets import domain_xml_secrets, vmx_secrets
from ansible_collections.virt.esx.plugins.module_utils.vsphere.secrets import mask, option_secrets, url_secrets


def test_passwords_in_urls_are_found_as_written_and_decoded():
    assert url_secrets('esx://root:S3cr%40t@esx1/') == {'S3cr%40t', 'S3cr@t'}
    assert url_secrets('http://u:pw@proxy:3128') == {'pw'}
    assert url_secrets('esx://root@esx1/?proxy=http://u:px%3Apw@proxy') == {'px%3Apw', 'px:pw'}
    assert url_secrets('esx://root@esx1/') == set()


def test_vnc_passwords_in_extra_config_and_domain_xml():
    assert vmx_secrets({'RemoteDisplay.vnc.password': 'vnc-Pw1', 'remotedisplay.vnc.port': '5901'}) == {'vnc-Pw1'}
    assert vmx_secrets({'REMOTEDISPLAY.VNC.PASSWORD': 'x2'}) == {'x2'}
    xml = "<domain type='vmware'><devices><graphics type='vnc' port='5900' passwd='Gr4ph!'/></devices></domain>"
    assert domain_xml_secrets(xml) == {'Gr4ph!'}
    # Also in XML that does not parse: the error about it must not show the password.
    assert domain_xml_secrets('<domain><devices><graphics type="vnc" passwd="half-done"') == {'half-done'}


def test_option_secrets_and_mask():
    found = option_secrets(dict(uri='esx://root:S3cr3t@esx1/', proxy='http://u:Pr0xy@proxy', password='Pa55',
                                extra_config={'RemoteDisplay.vnc.password': 'vnc1'}), environ={'VMWARE_PROXY': 'http://a:envpw@p'})
    assert found == {'S3cr3t', 'Pr0xy', 'Pa55', 'vnc1', 'envpw'}
    assert mask("uri 'esx://root:S3cr3t@esx1/' and Pr0xy", found) == "uri 'esx://root:********@esx1/' and ********"


def test_a_refused_uri_with_a_password_is_masked_in_the_failed_result(capsys, monkeypatch):
    from ansible.module_utils.common import warnings as ansible_warnings
    try:
        from ansible.module_utils import _internal as ansible_internal
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # ansible-core before 2.19
        pytest.skip('needs ansible-core 2.19 patch_module_args')
    monkeypatch.setattr(ansible_warnings, '_global_warnings', type(ansible_warnings._global_warnings)())
    monkeypatch.setattr(ansible_internal, 'is_controller', False)
    with patch_module_args(dict(uri='esx://root:S3cr3t-Uri@esx1.example.com/', password='Long-Pa55word',
                                proxy='http://u:Pr0xy-Pw@proxy.example.com:3128')):
        module = EsxModule({})
        with pytest.raises(SystemExit):
            module.run(lambda session: {})
    out = capsys.readouterr().out
    result = json.loads(out)
    assert 'S3cr3t-Uri' not in out and 'Pr0xy-Pw' not in out
    assert result['failed'] and 'must not carry a password' in result['msg']
    assert result['invocation']['module_args']['uri'] == 'esx://root:********@esx1.example.com/'
    assert result['invocation']['module_args']['proxy'] == 'http://u:********@proxy.example.com:3128'
