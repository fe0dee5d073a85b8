# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Set a virtual disk's UUID with plain pyvmomi (SetVirtualDiskUuid), as another tool would."""

from __future__ import annotations

import os
import ssl
import sys

from pyVim.connect import Disconnect, SmartConnect


def main():
    host, port, user, ca_file, datastore_path, uuid = sys.argv[1:7]
    context = ssl.create_default_context(cafile=ca_file)
    service = SmartConnect(host=host, port=int(port), user=user, pwd=os.environ['VIRT_ESX_TEST_PASSWORD'], sslContext=context)
    try:
        content = service.RetrieveContent()
        datacenter = content.rootFolder.childEntity[0]
        content.virtualDiskManager.SetVirtualDiskUuid(name=datastore_path, datacenter=datacenter, uuid=uuid)
        sys.stdout.write(content.virtualDiskManager.QueryVirtualDiskUuid(name=datastore_path, datacenter=datacenter))
    finally:
        Disconnect(service)


if __name__ == '__main__':
    main()
