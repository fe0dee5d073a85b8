# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Print every datastore's summary and mount paths as JSON, read with plain pyvmomi (the reference for pool_info)."""

from __future__ import annotations

import json
import os
import ssl
import sys

from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim


def main():
    host, port, user, ca_file = sys.argv[1:5]
    context = ssl.create_default_context(cafile=ca_file)
    service = SmartConnect(host=host, port=int(port), user=user, pwd=os.environ['VIRT_ESX_TEST_PASSWORD'], sslContext=context)
    try:
        content = service.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.Datastore], True)
        found = {}
        for datastore in view.view:
            summary = datastore.summary
            found[summary.name] = dict(
                capacity=summary.capacity, free_space=summary.freeSpace, accessible=summary.accessible, type=summary.type,
                mount_paths=sorted(set(mount.mountInfo.path for mount in datastore.host)),
                hosts=sorted(mount.key.name for mount in datastore.host))
        view.DestroyView()
    finally:
        Disconnect(service)
    json.dump(found, sys.stdout)


if __name__ == '__main__':
    main()
