# -*- coding: utf-8 -*-
# Copyright: virt.esx contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write a small real OVF package: a streamOptimized VMDK (16 MiB, no data grains), its OVF
descriptor (one disk, one NIC on the network 'appliance-net', two appliance properties), a SHA-256
manifest, and the same three files as an OVA (tar, descriptor first).

    make_ova.py OUT_DIR [NAME]     -> OUT_DIR/NAME.ovf, NAME-disk1.vmdk, NAME.mf, NAME.ova
    make_ova.py OUT_DIR NAME --sound-card   (also a sound card, which vSphere's CreateImportSpec may refuse)

The VMDK follows VMware's "Virtual Disk Format 5.0" for streamOptimized sparse extents: a sparse
header (magic KDMV, version 3, compressed grains and markers), the embedded descriptor, then the
grain directory marker and directory (every entry 0: no grain table, all sectors read as zeros),
the footer marker and footer (the header with the directory's offset), and the end-of-stream marker.
"""

import hashlib
import os
import struct
import sys
import tarfile

SECTOR = 512
CAPACITY_MIB = 16


def stream_optimized_vmdk(file_name, capacity_mib=CAPACITY_MIB):
    sectors = capacity_mib * 1024 * 1024 // SECTOR
    descriptor = (
        '# Disk DescriptorFile\nversion=1\nCID=5c3a7e11\nparentCID=ffffffff\ncreateType="streamOptimized"\n\n'
        '# Extent description\nRDONLY %d SPARSE "%s"\n\n# The Disk Data Base\n#DDB\n\n'
        'ddb.adapterType = "lsilogic"\nddb.geometry.cylinders = "%d"\nddb.geometry.heads = "64"\n'
        'ddb.geometry.sectors = "32"\nddb.virtualHWVersion = "4"\n' % (sectors, file_name, sectors // (64 * 32))
    ).encode('ascii')
    descriptor_sectors = -(-len(descriptor) // SECTOR)
    grain_size, gtes_per_gt = 128, 512
    overhead = 1 + descriptor_sectors
    gd_entries = -(-sectors // (grain_size * gtes_per_gt))
    gd_sectors = -(-gd_entries * 4 // SECTOR)

    def header(gd_offset):
        return struct.pack('<IIIQQQQIQQQB4sH433x', 0x564D444B, 3, 0x30001, sectors, grain_size, 1, descriptor_sectors,
                           gtes_per_gt, 0, gd_offset, overhead, 0, b'\n \r\n', 1)

    def marker(value, kind):
        return struct.pack('<QII496x', value, 0, kind)

    out = bytearray(header(0xFFFFFFFFFFFFFFFF))
    out += descriptor.ljust(descriptor_sectors * SECTOR, b'\0')
    out += marker(gd_sectors, 2)                      # grain directory marker
    gd_offset = len(out) // SECTOR
    out += b'\0' * (gd_sectors * SECTOR)              # no grain tables: the disk reads as zeros
    out += marker(1, 3)                               # footer marker
    out += header(gd_offset)
    out += b'\0' * SECTOR                             # end-of-stream marker
    return bytes(out)


DESCRIPTOR = '''<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
    xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
    xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData"
    xmlns:vmw="http://www.vmware.com/schema/ovf">
  <References>
    <File ovf:href="{disk}" ovf:id="file1" ovf:size="{disk_size}"/>
  </References>
  <DiskSection>
    <Info>Virtual disk information</Info>
    <Disk ovf:capacity="{capacity}" ovf:capacityAllocationUnits="byte * 2^20" ovf:diskId="vmdisk1" ovf:fileRef="file1"
        ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized" ovf:populatedSize="0"/>
  </DiskSection>
  <NetworkSection>
    <Info>The list of logical networks</Info>
    <Network ovf:name="appliance-net">
      <Description>The network the appliance serves on</Description>
    </Network>
  </NetworkSection>
  <VirtualSystem ovf:id="{name}">
    <Info>A virtual machine</Info>
    <Name>{name}</Name>
    <ProductSection>
      <Info>Appliance settings</Info>
      <Product>Tiny appliance</Product>
      <Version>1.0</Version>
      <Property ovf:key="app.hostname" ovf:type="string" ovf:userConfigurable="true" ovf:value="tiny">
        <Label>Host name</Label>
      </Property>
      <Property ovf:key="app.port" ovf:type="uint16" ovf:userConfigurable="true" ovf:value="8080">
        <Label>Listening port</Label>
      </Property>
      <Property ovf:key="app.build" ovf:type="string" ovf:value="2024.1"/>
    </ProductSection>
    <OperatingSystemSection ovf:id="101" vmw:osType="otherLinux64Guest">
      <Info>The kind of installed guest operating system</Info>
    </OperatingSystemSection>
    <VirtualHardwareSection>
      <Info>Virtual hardware requirements</Info>
      <System>
        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>
        <vssd:InstanceID>0</vssd:InstanceID>
        <vssd:VirtualSystemIdentifier>{name}</vssd:VirtualSystemIdentifier>
        <vssd:VirtualSystemType>vmx-13</vssd:VirtualSystemType>
      </System>
      <Item>
        <rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits>
        <rasd:Description>Number of Virtual CPUs</rasd:Description>
        <rasd:ElementName>1 virtual CPU(s)</rasd:ElementName>
        <rasd:InstanceID>1</rasd:InstanceID>
        <rasd:ResourceType>3</rasd:ResourceType>
        <rasd:VirtualQuantity>1</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>
        <rasd:Description>Memory Size</rasd:Description>
        <rasd:ElementName>256MB of memory</rasd:ElementName>
        <rasd:InstanceID>2</rasd:InstanceID>
        <rasd:ResourceType>4</rasd:ResourceType>
        <rasd:VirtualQuantity>256</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:Address>0</rasd:Address>
        <rasd:Description>SCSI Controller</rasd:Description>
        <rasd:ElementName>SCSI controller 0</rasd:ElementName>
        <rasd:InstanceID>3</rasd:InstanceID>
        <rasd:ResourceSubType>lsilogic</rasd:ResourceSubType>
        <rasd:ResourceType>6</rasd:ResourceType>
      </Item>
      <Item>
        <rasd:AddressOnParent>0</rasd:AddressOnParent>
        <rasd:ElementName>Hard disk 1</rasd:ElementName>
        <rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource>
        <rasd:InstanceID>4</rasd:InstanceID>
        <rasd:Parent>3</rasd:Parent>
        <rasd:ResourceType>17</rasd:ResourceType>
      </Item>
      <Item>
        <rasd:AddressOnParent>7</rasd:AddressOnParent>
        <rasd:AutomaticAllocation>true</rasd:AutomaticAllocation>
        <rasd:Connection>appliance-net</rasd:Connection>
        <rasd:ElementName>Network adapter 1</rasd:ElementName>
        <rasd:InstanceID>5</rasd:InstanceID>
        <rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType>
        <rasd:ResourceType>10</rasd:ResourceType>
      </Item>
{extra}    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
'''


SOUND_CARD = '''      <Item>
        <rasd:ElementName>Sound card</rasd:ElementName>
        <rasd:InstanceID>6</rasd:InstanceID>
        <rasd:ResourceSubType>vmware.soundcard.hdaudio</rasd:ResourceSubType>
        <rasd:ResourceType>35</rasd:ResourceType>
      </Item>
'''


def make(out_dir, name='tiny-appliance', sound_card=False):
    disk_name = '%s-disk1.vmdk' % name
    disk = stream_optimized_vmdk(disk_name)
    descriptor = DESCRIPTOR.format(name=name, disk=disk_name, disk_size=len(disk), capacity=CAPACITY_MIB,
                                   extra=SOUND_CARD if sound_card else '').encode('utf-8')
    files = [('%s.ovf' % name, descriptor), (disk_name, disk)]
    manifest = ''.join('SHA256(%s)= %s\n' % (file_name, hashlib.sha256(data).hexdigest()) for file_name, data in files)
    files.insert(1, ('%s.mf' % name, manifest.encode('ascii')))
    os.makedirs(out_dir, exist_ok=True)
    for file_name, data in files:
        with open(os.path.join(out_dir, file_name), 'wb') as handle:
            handle.write(data)
    ova = os.path.join(out_dir, '%s.ova' % name)
    with tarfile.open(ova, 'w', format=tarfile.USTAR_FORMAT) as archive:
        for file_name, _data in files:  # the descriptor first, as the OVF standard wants
            archive.add(os.path.join(out_dir, file_name), arcname=file_name)
    return ova


if __name__ == '__main__':
    arguments = [argument for argument in sys.argv[1:] if argument != '--sound-card']
    print(make(arguments[0], *(arguments[1:2] or []), sound_card='--sound-card' in sys.argv))
