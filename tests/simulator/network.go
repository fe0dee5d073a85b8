// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Standard switches and port groups as a real host keeps them.
//
// The stock HostNetworkSystem ignores the switch spec, lacks UpdateVirtualSwitch
// and UpdatePortGroup, keeps its own networkInfo apart from host.config.network
// (which never changes), lists no physical NICs, removes port groups that VMs
// use, and refuses a port group name that another host already has. Each host's
// network system is replaced at start-up by networkSystem, which embeds the
// stock one (so property reads and the stock methods it does not override keep
// working) and keeps one HostNetworkInfo shared by networkSystem.networkInfo and
// host.config.network.
//
// Port groups that VMs can use are "Network" entities of the datacenter's
// network folder, shared by every host with a port group of that name, as on a
// vCenter: the entity lists those hosts and goes away with the last of them.

const (
	switchKeyPrefix    = "key-vim.host.VirtualSwitch-"
	portgroupKeyPrefix = "key-vim.host.PortGroup-"
	defaultSwitchPorts = 128
	defaultMTU         = 1500
	maxSwitchName      = 32
	maxVlanID          = 4095
)

// networkChanges serializes network changes of all hosts: port group network
// entities are shared between hosts.
var networkChanges sync.Mutex

type networkSystem struct {
	simulator.HostNetworkSystem
}

// installNetworkSystems replaces every host's network system. It runs before
// the server starts, when no view or filter could miss the swap.
func installNetworkSystems() {
	for _, entity := range simulator.Map.All("HostSystem") {
		host, ok := entity.(*simulator.HostSystem)
		if !ok || host.ConfigManager.NetworkSystem == nil {
			continue
		}
		stock, ok := simulator.Map.Get(*host.ConfigManager.NetworkSystem).(*simulator.HostNetworkSystem)
		if !ok {
			continue
		}
		if host.Config.Network == nil {
			host.Config.Network = &types.HostNetworkInfo{}
		}
		replacement := &networkSystem{HostNetworkSystem: *stock}
		replacement.Host = &host.HostSystem
		replacement.NetworkInfo = host.Config.Network
		// A host's own copy: ESX hosts share the stock model's network list.
		host.Network = append([]types.ManagedObjectReference(nil), host.Network...)
		simulator.Map.Put(replacement)
	}
}

func (s *networkSystem) info() *types.HostNetworkInfo { return s.NetworkInfo }

func (s *networkSystem) hostObject() *simulator.HostSystem {
	host, _ := simulator.Map.Get(s.Host.Self).(*simulator.HostSystem)
	return host
}

// published tells property collectors that the network changed.
func (s *networkSystem) published() {
	info := s.info()
	if host := s.hostObject(); host != nil {
		simulator.Map.Update(host, []types.PropertyChange{{Name: "config.network", Val: info}})
	}
	simulator.Map.Update(s, []types.PropertyChange{{Name: "networkInfo", Val: info}})
}

func (s *networkSystem) findSwitch(name string) (int, *types.HostVirtualSwitch) {
	info := s.info()
	for i := range info.Vswitch {
		if info.Vswitch[i].Name == name {
			return i, &info.Vswitch[i]
		}
	}
	return -1, nil
}

func (s *networkSystem) findPortgroup(name string) (int, *types.HostPortGroup) {
	info := s.info()
	for i := range info.Portgroup {
		if info.Portgroup[i].Spec.Name == name {
			return i, &info.Portgroup[i]
		}
	}
	return -1, nil
}

func (s *networkSystem) pnicKey(device string) string {
	for _, nic := range s.info().Pnic {
		if nic.Device == device {
			return nic.Key
		}
	}
	return ""
}

func uplinksOf(spec *types.HostVirtualSwitchSpec) []string {
	if spec == nil {
		return nil
	}
	if bond, ok := spec.Bridge.(*types.HostVirtualSwitchBondBridge); ok {
		return bond.NicDevice
	}
	return nil
}

func invalidArgument(property, message string) *soap.Fault {
	return simulator.Fault(fmt.Sprintf("A specified parameter was not correct: %s (%s)", property, message),
		&types.InvalidArgument{InvalidProperty: property})
}

// checkSwitchSpec validates a switch spec for the switch named name and
// returns the uplinks' NIC keys.
func (s *networkSystem) checkSwitchSpec(name string, spec *types.HostVirtualSwitchSpec) ([]string, *soap.Fault) {
	if spec.NumPorts < 0 || spec.NumPorts > 4088 {
		return nil, invalidArgument("spec.numPorts", fmt.Sprintf("%d is not within 0..4088", spec.NumPorts))
	}
	if spec.Mtu != 0 && (spec.Mtu < 1280 || spec.Mtu > 9000) {
		return nil, invalidArgument("spec.mtu", fmt.Sprintf("%d is not within 1280..9000", spec.Mtu))
	}
	uplinks := uplinksOf(spec)
	var keys []string
	for _, device := range uplinks {
		key := s.pnicKey(device)
		if key == "" {
			return nil, simulator.Fault(fmt.Sprintf("The physical NIC %s was not found on host %s.", device, s.Host.Name),
				&types.NotFound{})
		}
		for _, other := range s.info().Vswitch {
			if other.Name == name {
				continue
			}
			for _, used := range other.Pnic {
				if used == key {
					return nil, simulator.Fault(fmt.Sprintf("The physical NIC %s is already an uplink of %s.", device, other.Name),
						&types.ResourceInUse{Name: device})
				}
			}
		}
		keys = append(keys, key)
	}
	if spec.Policy != nil && spec.Policy.NicTeaming != nil && spec.Policy.NicTeaming.NicOrder != nil {
		order := spec.Policy.NicTeaming.NicOrder
		for _, device := range append(append([]string(nil), order.ActiveNic...), order.StandbyNic...) {
			if !containsString(uplinks, device) {
				return nil, invalidArgument("spec.policy.nicTeaming.nicOrder",
					fmt.Sprintf("%s is not a bridge NIC of %s", device, name))
			}
		}
	}
	return keys, nil
}

func containsString(list []string, value string) bool {
	for _, item := range list {
		if item == value {
			return true
		}
	}
	return false
}

// withDefaults fills in the switch policy a host reports for a new switch.
func withDefaults(spec types.HostVirtualSwitchSpec) types.HostVirtualSwitchSpec {
	if spec.NumPorts == 0 {
		spec.NumPorts = defaultSwitchPorts
	}
	if spec.Policy == nil {
		spec.Policy = &types.HostNetworkPolicy{}
	}
	if spec.Policy.Security == nil {
		spec.Policy.Security = &types.HostNetworkSecurityPolicy{
			AllowPromiscuous: types.NewBool(false), MacChanges: types.NewBool(false), ForgedTransmits: types.NewBool(false)}
	}
	if spec.Policy.NicTeaming == nil {
		spec.Policy.NicTeaming = &types.HostNicTeamingPolicy{
			Policy: "loadbalance_srcid", NotifySwitches: types.NewBool(true), RollingOrder: types.NewBool(false)}
	}
	if uplinks := uplinksOf(&spec); len(uplinks) > 0 && spec.Policy.NicTeaming.NicOrder == nil {
		spec.Policy.NicTeaming.NicOrder = &types.HostNicOrderPolicy{ActiveNic: append([]string(nil), uplinks...)}
	}
	if spec.Policy.ShapingPolicy == nil {
		spec.Policy.ShapingPolicy = &types.HostNetworkTrafficShapingPolicy{Enabled: types.NewBool(false)}
	}
	return spec
}

func applySwitchSpec(vswitch *types.HostVirtualSwitch, spec types.HostVirtualSwitchSpec, pnicKeys []string) {
	vswitch.Spec = spec
	vswitch.NumPorts = spec.NumPorts
	vswitch.NumPortsAvailable = spec.NumPorts - int32(len(vswitch.Portgroup))
	vswitch.Mtu = spec.Mtu
	if vswitch.Mtu == 0 {
		vswitch.Mtu = defaultMTU
	}
	vswitch.Pnic = pnicKeys
}

func (s *networkSystem) AddVirtualSwitch(ctx *simulator.Context, req *types.AddVirtualSwitch) soap.HasFault {
	networkChanges.Lock()
	defer networkChanges.Unlock()
	body := &methods.AddVirtualSwitchBody{}
	name := req.VswitchName
	if name == "" || len(name) > maxSwitchName {
		body.Fault_ = invalidArgument("vswitchName", "a switch name has 1 to 32 characters")
		return body
	}
	if _, found := s.findSwitch(name); found != nil {
		body.Fault_ = simulator.Fault(fmt.Sprintf("The specified key, name, or identifier '%s' already exists.", name),
			&types.AlreadyExists{Name: name})
		return body
	}
	spec := types.HostVirtualSwitchSpec{}
	if req.Spec != nil {
		spec = *req.Spec
	}
	keys, fault := s.checkSwitchSpec(name, &spec)
	if fault != nil {
		body.Fault_ = fault
		return body
	}
	vswitch := types.HostVirtualSwitch{Name: name, Key: switchKeyPrefix + name}
	applySwitchSpec(&vswitch, withDefaults(spec), keys)
	info := s.info()
	info.Vswitch = append(info.Vswitch, vswitch)
	s.published()
	body.Res = &types.AddVirtualSwitchResponse{}
	return body
}

func (s *networkSystem) UpdateVirtualSwitch(ctx *simulator.Context, req *types.UpdateVirtualSwitch) soap.HasFault {
	networkChanges.Lock()
	defer networkChanges.Unlock()
	body := &methods.UpdateVirtualSwitchBody{}
	_, vswitch := s.findSwitch(req.VswitchName)
	if vswitch == nil {
		body.Fault_ = simulator.Fault(fmt.Sprintf("The virtual switch %s was not found.", req.VswitchName), &types.NotFound{})
		return body
	}
	spec := req.Spec
	if spec.NumPorts == 0 {
		spec.NumPorts = vswitch.Spec.NumPorts
	}
	keys, fault := s.checkSwitchSpec(vswitch.Name, &spec)
	if fault != nil {
		body.Fault_ = fault
		return body
	}
	applySwitchSpec(vswitch, spec, keys)
	for i := range s.info().Portgroup {
		portgroup := &s.info().Portgroup[i]
		if portgroup.Vswitch == vswitch.Key {
			portgroup.ComputedPolicy = computedPolicy(vswitch, portgroup.Spec.Policy)
		}
	}
	s.published()
	body.Res = &types.UpdateVirtualSwitchResponse{}
	return body
}

func (s *networkSystem) RemoveVirtualSwitch(ctx *simulator.Context, req *types.RemoveVirtualSwitch) soap.HasFault {
	networkChanges.Lock()
	defer networkChanges.Unlock()
	body := &methods.RemoveVirtualSwitchBody{}
	index, vswitch := s.findSwitch(req.VswitchName)
	if vswitch == nil {
		body.Fault_ = simulator.Fault(fmt.Sprintf("The virtual switch %s was not found.", req.VswitchName), &types.NotFound{})
		return body
	}
	var names []string
	for _, portgroup := range s.info().Portgroup {
		if portgroup.Spec.VswitchName != vswitch.Name {
			continue
		}
		if fault := s.portgroupInUse(portgroup.Spec.Name); fault != nil {
			body.Fault_ = fault
			return body
		}
		names = append(names, portgroup.Spec.Name)
	}
	for _, name := range names {
		s.dropPortgroup(ctx, name)
	}
	info := s.info()
	info.Vswitch = append(info.Vswitch[:index], info.Vswitch[index+1:]...)
	s.published()
	body.Res = &types.RemoveVirtualSwitchResponse{}
	return body
}

// computedPolicy is the switch policy overridden by the port group's settings.
func computedPolicy(vswitch *types.HostVirtualSwitch, own types.HostNetworkPolicy) types.HostNetworkPolicy {
	var policy types.HostNetworkPolicy
	if vswitch.Spec.Policy != nil {
		policy = *vswitch.Spec.Policy
	}
	if own.Security != nil {
		security := types.HostNetworkSecurityPolicy{}
		if policy.Security != nil {
			security = *policy.Security
		}
		if own.Security.AllowPromiscuous != nil {
			security.AllowPromiscuous = own.Security.AllowPromiscuous
		}
		if own.Security.MacChanges != nil {
			security.MacChanges = own.Security.MacChanges
		}
		if own.Security.ForgedTransmits != nil {
			security.ForgedTransmits = own.Security.ForgedTransmits
		}
		policy.Security = &security
	}
	if own.NicTeaming != nil {
		teaming := types.HostNicTeamingPolicy{}
		if policy.NicTeaming != nil {
			teaming = *policy.NicTeaming
		}
		if own.NicTeaming.Policy != "" {
			teaming.Policy = own.NicTeaming.Policy
		}
		if own.NicTeaming.NotifySwitches != nil {
			teaming.NotifySwitches = own.NicTeaming.NotifySwitches
		}
		if own.NicTeaming.RollingOrder != nil {
			teaming.RollingOrder = own.NicTeaming.RollingOrder
		}
		if own.NicTeaming.NicOrder != nil {
			teaming.NicOrder = own.NicTeaming.NicOrder
		}
		policy.NicTeaming = &teaming
	}
	if own.ShapingPolicy != nil && own.ShapingPolicy.Enabled != nil {
		policy.ShapingPolicy = own.ShapingPolicy
	}
	return policy
}

func (s *networkSystem) checkPortgroupSpec(spec *types.HostPortGroupSpec) (*types.HostVirtualSwitch, *soap.Fault) {
	if spec.Name == "" {
		return nil, invalidArgument("portgrp.name", "a port group needs a name")
	}
	if spec.VlanId < 0 || spec.VlanId > maxVlanID {
		return nil, invalidArgument("portgrp.vlanId", fmt.Sprintf("%d is not within 0..4095", spec.VlanId))
	}
	_, vswitch := s.findSwitch(spec.VswitchName)
	if vswitch == nil {
		return nil, simulator.Fault(fmt.Sprintf("The virtual switch %s was not found.", spec.VswitchName), &types.NotFound{})
	}
	if teaming := spec.Policy.NicTeaming; teaming != nil && teaming.NicOrder != nil {
		uplinks := uplinksOf(&vswitch.Spec)
		for _, device := range append(append([]string(nil), teaming.NicOrder.ActiveNic...), teaming.NicOrder.StandbyNic...) {
			if !containsString(uplinks, device) {
				return nil, invalidArgument("portgrp.policy.nicTeaming.nicOrder",
					fmt.Sprintf("%s is not an uplink of %s", device, vswitch.Name))
			}
		}
	}
	return vswitch, nil
}

func (s *networkSystem) AddPortGroup(ctx *simulator.Context, req *types.AddPortGroup) soap.HasFault {
	networkChanges.Lock()
	defer networkChanges.Unlock()
	body := &methods.AddPortGroupBody{}
	spec := req.Portgrp
	vswitch, fault := s.checkPortgroupSpec(&spec)
	if fault != nil {
		body.Fault_ = fault
		return body
	}
	if _, found := s.findPortgroup(spec.Name); found != nil {
		body.Fault_ = simulator.Fault(fmt.Sprintf("The specified key, name, or identifier '%s' already exists.", spec.Name),
			&types.AlreadyExists{Name: spec.Name})
		return body
	}
	key := portgroupKeyPrefix + spec.Name
	vswitch.Portgroup = append(vswitch.Portgroup, key)
	vswitch.NumPortsAvailable--
	info := s.info()
	info.Portgroup = append(info.Portgroup, types.HostPortGroup{
		Key: key, Vswitch: vswitch.Key, Spec: spec, ComputedPolicy: computedPolicy(vswitch, spec.Policy),
	})
	s.attachNetwork(ctx, spec.Name)
	s.published()
	body.Res = &types.AddPortGroupResponse{}
	return body
}

func (s *networkSystem) UpdatePortGroup(ctx *simulator.Context, req *types.UpdatePortGroup) soap.HasFault {
	networkChanges.Lock()
	defer networkChanges.Unlock()
	body := &methods.UpdatePortGroupBody{}
	_, portgroup := s.findPortgroup(req.PgName)
	if portgroup == nil {
		body.Fault_ = simulator.Fault(fmt.Sprintf("The port group %s was not found.", req.PgName), &types.NotFound{})
		return body
	}
	spec := req.Portgrp
	if spec.Name == "" {
		spec.Name = req.PgName
	}
	if spec.VswitchName == "" {
		spec.VswitchName = portgroup.Spec.VswitchName
	}
	if spec.Name != req.PgName {
		body.Fault_ = simulator.Fault("Renaming a port group is not simulated.", &types.NotSupported{})
		return body
	}
	vswitch, fault := s.checkPortgroupSpec(&spec)
	if fault != nil {
		body.Fault_ = fault
		return body
	}
	if vswitch.Key != portgroup.Vswitch {
		// Moving to another switch.
		if _, old := s.findSwitchByKey(portgroup.Vswitch); old != nil {
			old.Portgroup = removeString(old.Portgroup, portgroup.Key)
			old.NumPortsAvailable++
		}
		vswitch.Portgroup = append(vswitch.Portgroup, portgroup.Key)
		vswitch.NumPortsAvailable--
		portgroup.Vswitch = vswitch.Key
	}
	portgroup.Spec = spec
	portgroup.ComputedPolicy = computedPolicy(vswitch, spec.Policy)
	s.published()
	body.Res = &types.UpdatePortGroupResponse{}
	return body
}

func (s *networkSystem) findSwitchByKey(key string) (int, *types.HostVirtualSwitch) {
	info := s.info()
	for i := range info.Vswitch {
		if info.Vswitch[i].Key == key {
			return i, &info.Vswitch[i]
		}
	}
	return -1, nil
}

func removeString(list []string, value string) []string {
	var kept []string
	for _, item := range list {
		if item != value {
			kept = append(kept, item)
		}
	}
	return kept
}

func (s *networkSystem) RemovePortGroup(ctx *simulator.Context, req *types.RemovePortGroup) soap.HasFault {
	networkChanges.Lock()
	defer networkChanges.Unlock()
	body := &methods.RemovePortGroupBody{}
	if _, portgroup := s.findPortgroup(req.PgName); portgroup == nil {
		body.Fault_ = simulator.Fault(fmt.Sprintf("The port group %s was not found.", req.PgName), &types.NotFound{})
		return body
	}
	if fault := s.portgroupInUse(req.PgName); fault != nil {
		body.Fault_ = fault
		return body
	}
	s.dropPortgroup(ctx, req.PgName)
	s.published()
	body.Res = &types.RemovePortGroupResponse{}
	return body
}

// portgroupInUse refuses, as a host does, to remove a port group with a
// VMkernel adapter or a powered-on VM of this host connected to it.
func (s *networkSystem) portgroupInUse(name string) *soap.Fault {
	for _, vnic := range s.info().Vnic {
		if vnic.Portgroup == name {
			return simulator.Fault(fmt.Sprintf("The resource '%s' is in use: VMkernel adapter %s.", name, vnic.Device),
				&types.ResourceInUse{Name: name})
		}
	}
	users := s.poweredOnUsers(name)
	if len(users) > 0 {
		return simulator.Fault(fmt.Sprintf("The resource '%s' is in use: powered-on virtual machine(s) %s.", name, strings.Join(users, ", ")),
			&types.ResourceInUse{Name: name})
	}
	return nil
}

func (s *networkSystem) poweredOnUsers(name string) []string {
	host := s.hostObject()
	if host == nil {
		return nil
	}
	var users []string
	for _, ref := range host.Vm {
		vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine)
		if !ok {
			continue
		}
		simulator.Map.WithLock(vm, func() {
			if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn || vm.Config == nil {
				return
			}
			for _, device := range vm.Config.Hardware.Device {
				card, ok := device.(types.BaseVirtualEthernetCard)
				if !ok {
					continue
				}
				backing, ok := card.GetVirtualEthernetCard().Backing.(*types.VirtualEthernetCardNetworkBackingInfo)
				if ok && backing.DeviceName == name {
					users = append(users, vm.Name)
					return
				}
			}
		})
	}
	sort.Strings(users)
	return users
}

// dropPortgroup removes a port group and, with the last host that has it, its
// network entity.
func (s *networkSystem) dropPortgroup(ctx *simulator.Context, name string) {
	index, portgroup := s.findPortgroup(name)
	if portgroup == nil {
		return
	}
	if _, vswitch := s.findSwitchByKey(portgroup.Vswitch); vswitch != nil {
		vswitch.Portgroup = removeString(vswitch.Portgroup, portgroup.Key)
		vswitch.NumPortsAvailable++
	}
	info := s.info()
	info.Portgroup = append(info.Portgroup[:index], info.Portgroup[index+1:]...)
	s.detachNetwork(ctx, name)
}

func (s *networkSystem) datacenter() *simulator.Datacenter {
	var parent *types.ManagedObjectReference = s.Host.Parent
	for depth := 0; parent != nil && depth < 64; depth++ {
		switch obj := simulator.Map.Get(*parent).(type) {
		case *simulator.Datacenter:
			return obj
		case mo.Entity:
			parent = obj.Entity().Parent
		default:
			return nil
		}
	}
	return nil
}

// findNetwork returns the standard network entity of that name in the datacenter.
func findNetwork(dc *simulator.Datacenter, name string) *mo.Network {
	for _, ref := range dc.Network {
		if ref.Type != "Network" {
			continue
		}
		if network, ok := simulator.Map.Get(ref).(*mo.Network); ok && network.Name == name {
			return network
		}
	}
	return nil
}

func (s *networkSystem) attachNetwork(ctx *simulator.Context, name string) {
	dc := s.datacenter()
	host := s.hostObject()
	if dc == nil || host == nil {
		return
	}
	network := findNetwork(dc, name)
	if network == nil {
		folder, ok := simulator.Map.Get(dc.NetworkFolder).(*simulator.Folder)
		if !ok {
			return
		}
		network = &mo.Network{}
		network.Name = name
		network.Entity().Name = name
		simulator.Map.NewEntity(network)
		simulator.Map.WithLock(folder, func() {
			// The child list first, so that container views see the new entity.
			folder.ChildEntity = append(folder.ChildEntity, network.Self)
			simulator.Map.PutEntity(folder, network)
		})
		network.Summary = &types.NetworkSummary{Network: &network.Self, Name: name, Accessible: true}
		simulator.Map.AddReference(dc, &dc.Network, network.Self)
	}
	simulator.Map.AddReference(network, &network.Host, host.Self)
	simulator.Map.WithLock(host, func() {
		if simulator.FindReference(host.Network, network.Self) == nil {
			networks := append(append([]types.ManagedObjectReference(nil), host.Network...), network.Self)
			simulator.Map.Update(host, []types.PropertyChange{{Name: "network", Val: networks}})
		}
	})
}

// hasPortgroup tells whether a host's network system has a port group of that name.
func hasPortgroup(host *simulator.HostSystem, name string) bool {
	if host.ConfigManager.NetworkSystem == nil {
		return false
	}
	other, ok := simulator.Map.Get(*host.ConfigManager.NetworkSystem).(*networkSystem)
	if !ok {
		return false
	}
	_, found := other.findPortgroup(name)
	return found != nil
}

func (s *networkSystem) detachNetwork(ctx *simulator.Context, name string) {
	dc := s.datacenter()
	host := s.hostObject()
	if dc == nil || host == nil {
		return
	}
	network := findNetwork(dc, name)
	if network == nil {
		return
	}
	simulator.Map.WithLock(host, func() {
		var kept []types.ManagedObjectReference
		for _, ref := range host.Network {
			if ref != network.Self {
				kept = append(kept, ref)
			}
		}
		simulator.Map.Update(host, []types.PropertyChange{{Name: "network", Val: kept}})
	})
	simulator.Map.RemoveReference(network, &network.Host, host.Self)
	for _, entity := range simulator.Map.All("HostSystem") {
		other, ok := entity.(*simulator.HostSystem)
		if ok && other.Self != host.Self && hasPortgroup(other, name) {
			return
		}
	}
	if len(network.Vm) > 0 {
		// Powered-off VMs keep the entity, as on a vCenter, until they leave it.
		return
	}
	folder, ok := simulator.Map.Get(dc.NetworkFolder).(*simulator.Folder)
	if !ok {
		return
	}
	simulator.Map.Remove(network.Self)
	simulator.Map.WithLock(folder, func() {
		simulator.RemoveReference(&folder.ChildEntity, network.Self)
	})
	simulator.Map.RemoveReference(dc, &dc.Network, network.Self)
}
