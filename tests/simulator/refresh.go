// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Datastore refreshes as a host does them (libvirt's storagePoolRefresh):
// RefreshDatastore (the stock one answers without updating the summary) and
// RefreshDatastoreStorageInfo (missing) measure the datastore's directory
// again, update summary.freeSpace and stamp info.timestamp with the time of
// the refresh. An inaccessible datastore is refused with InvalidState.
func init() {
	routedCalls["RefreshDatastore"] = "Datastore"
	routedCalls["RefreshDatastoreStorageInfo"] = "Datastore"
}

func refreshDatastoreNow(ref types.ManagedObjectReference) types.BaseMethodFault {
	ds, ok := simulator.Map.Get(ref).(*simulator.Datastore)
	if !ok {
		return &types.ManagedObjectNotFound{Obj: ref}
	}
	if !ds.Summary.Accessible {
		return refusal("The datastore "+ds.Name+" is not accessible", &types.InvalidState{})
	}
	refreshSpace(ds)
	simulator.Map.WithLock(ds, func() {
		now := time.Now()
		info := ds.Info.GetDatastoreInfo()
		info.Timestamp = &now
		simulator.Map.Update(ds, []types.PropertyChange{{Name: "info", Val: ds.Info}})
	})
	return nil
}

func (p *questionProxy) RefreshDatastore(ctx *simulator.Context, req *types.RefreshDatastore) soap.HasFault {
	if fault := refreshDatastoreNow(p.target); fault != nil {
		return &methods.RefreshDatastoreBody{Fault_: simulator.Fault("", fault)}
	}
	return &methods.RefreshDatastoreBody{Res: &types.RefreshDatastoreResponse{}}
}

func (p *questionProxy) RefreshDatastoreStorageInfo(ctx *simulator.Context, req *types.RefreshDatastoreStorageInfo) soap.HasFault {
	if fault := refreshDatastoreNow(p.target); fault != nil {
		return &methods.RefreshDatastoreStorageInfoBody{Fault_: simulator.Fault("", fault)}
	}
	return &methods.RefreshDatastoreStorageInfoBody{Res: &types.RefreshDatastoreStorageInfoResponse{}}
}
