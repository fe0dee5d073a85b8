# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # The connection options of every virt.esx module (module_utils/vsphere/connection.py).
    DOCUMENTATION = r'''
options:
  uri:
    description:
      - libvirt-style connection URI, an alternative to O(hostname), O(port), O(transport) and O(proxy).
      - V(esx://user@host[:port]/) for an ESX/ESXi host, V(gsx://user@host/) for VMware GSX/Server,
        V(vpx://user@vcenter/datacenter[/folders]/cluster/host) for a host managed by vCenter.
      - "Query parameters as libvirt accepts them: C(transport=http|https), C(no_verify=0|1) (C(1) turns
        certificate verification off), C(auto_answer=0|1) (default of the C(auto_answer) option of modules that start tasks),
        C(proxy=[http://]host[:port]), and C(vcenter=host) on C(esx://) URIs. Unknown parameters are ignored
        with a warning, as libvirt does."
      - The URI must not contain a password; use O(password).
      - When O(uri) is set, O(hostname), O(port), O(transport) and O(proxy) are ignored (with a warning) and the
        E(VMWARE_HOST) and E(VMWARE_PORT) environment variables are not read.
    type: str
  hostname:
    description:
      - Name or address of the ESX host or vCenter server.
      - If not set, the E(VMWARE_HOST) environment variable is used.
    type: str
    aliases: [ host ]
  username:
    description:
      - User name to log in with (also the C(user@) part of O(uri)).
      - If not set, the E(VMWARE_USER) environment variable is used.
    type: str
    aliases: [ user ]
  password:
    description:
      - Password of O(username). Never logged nor returned.
      - If not set, the E(VMWARE_PASSWORD) environment variable is used.
    type: str
    aliases: [ pass ]
  port:
    description:
      - TCP port of the server; 443 for https and 80 for http when not set.
      - If not set, the E(VMWARE_PORT) environment variable is used.
    type: int
  validate_certs:
    description:
      - Whether to verify the server's TLS certificate. On by default.
      - If not set, the E(VMWARE_VALIDATE_CERTS) environment variable is used, else V(true).
      - Verification is off when this is V(false) or when O(uri) has C(no_verify=1).
    type: bool
  ca_file:
    description:
      - PEM file of the certificate authorities to trust instead of the system's, for example the
        self-signed CA of a lab host.
      - If not set, the E(VMWARE_CA_FILE) environment variable is used.
    type: path
  transport:
    description:
      - V(https) (default) or V(http), as libvirt's C(transport) query parameter.
    type: str
    choices: [ https, http ]
  proxy:
    description:
      - HTTP proxy as C([http://]host[:port]) (port 1080 when not given), as libvirt's C(proxy) query parameter.
        SOCKS proxies are parsed but refused, pyvmomi cannot use them.
      - If not set, the E(VMWARE_PROXY) environment variable is used.
    type: str
  timeout:
    description:
      - Seconds one HTTP request may take as a whole (connecting, sending it, and reading the whole answer), from 1 to
        86400. A server that stalls or sends its answer a byte at a time is cut off at this deadline, not per read.
    type: int
    default: 60
  max_answer_mb:
    description:
      - The largest answer, in MiB, read from the server for one request (1 to 4096). A larger one is refused with an
        error, as is an answer that is not SOAP (a web page, a proxy's error page).
      - vSphere's answers to this collection's requests are far smaller; raise it only for a legitimately huge answer.
    type: int
    default: 64
notes:
  - Sessions that expire while a module runs are logged in again transparently.
  - A connection lost while a task is polled is opened again (and the session logged in again) a few times within
    a minute; the task keeps running on the server meanwhile. See docs/failure-modes.md.
requirements:
  - pyvmomi >= 8.0.1
'''

    # Modules that start tasks on VMs add these options (module_utils/vsphere/tasks.py).
    TASKS = r'''
options:
  auto_answer:
    description:
      - What to do when a VM is blocked by a question (for example "did you move or copy this VM?").
      - V(true) answers it with its default choice and carries on; V(false) fails with the question and its
        choices quoted, after trying to cancel the task; no new task is started on a VM that is blocked.
      - Defaults to the C(auto_answer) query parameter of O(uri), else V(false).
      - Rules in O(answers) come first; auto_answer decides only for a question no rule matches.
    type: bool
  answers:
    description:
      - Chosen answers to VM questions, tried in order before O(auto_answer) for every task the module runs (and for
        a question already pending). The first rule that matches a question gives its answer; a question no rule
        matches is answered with its default choice when O(auto_answer) is on, else reported as an error.
      - A rule that matches but names no choice of the question is an error (it never falls back to the default).
      - Not accepted in O(uri), whose query parameters follow libvirt's grammar of flat name=value pairs, which a list of
        rules does not fit.
    type: list
    elements: dict
    suboptions:
      id:
        description: The question id (C(runtime.question.id), for example V(_vmx1)). Give O(answers[].id) or O(answers[].text).
        type: str
      text:
        description: A regular expression searched in the question's text (case-insensitive, white space folded).
        type: str
      answer:
        description: The choice to give, by label (V(I moved it), case-insensitive) or by key (V(1)).
        type: str
        required: true
  task_timeout:
    description:
      - Seconds to wait for a vSphere task to finish before failing (the task is not cancelled), from 1 to 2592000.
    type: int
    default: 3600
'''
