// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"regexp"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// Custom attribute values as vCenter keeps them.
//
// The stock CustomFieldsManager.SetField (and ManagedEntity.SetCustomValue,
// which calls it) appends a new CustomFieldStringValue on every call, so an
// entity ends up with several values for one key, and setting "" leaves an
// empty value behind. vCenter keeps one value per key (CustomFieldsManager.SetField
// "assigns a value to a custom field", replacing the old one), and an empty value
// is no value: it is gone from customValue. After each such call the entity's
// customValue and value lists are reduced to the last value of each key, empty
// ones dropped.

var setFieldEntity = regexp.MustCompile(`<entity[^>]*type="([^"]+)"[^>]*>\s*([^<\s]+)\s*</entity>`)

// fixCustomValuesAfter runs after the simulator served method with body.
func fixCustomValuesAfter(call *soapCall, body []byte) {
	if call == nil {
		return
	}
	var ref types.ManagedObjectReference
	switch call.Method {
	case "SetField":
		found := setFieldEntity.FindSubmatch(body)
		if found == nil {
			return
		}
		ref = types.ManagedObjectReference{Type: string(found[1]), Value: string(found[2])}
	case "SetCustomValue":
		ref = types.ManagedObjectReference{Type: call.ThisType, Value: call.ThisValue}
	default:
		return
	}
	entity, ok := simulator.Map.Get(ref).(mo.Entity)
	if !ok {
		return
	}
	me := entity.Entity()
	simulator.Map.WithLock(entity, func() {
		me.CustomValue = lastValuePerKey(me.CustomValue)
		me.Value = lastValuePerKey(me.Value)
	})
}

func lastValuePerKey(values []types.BaseCustomFieldValue) []types.BaseCustomFieldValue {
	last := map[int32]int{}
	for i, value := range values {
		last[value.GetCustomFieldValue().Key] = i
	}
	kept := []types.BaseCustomFieldValue{}
	for i, value := range values {
		key := value.GetCustomFieldValue().Key
		if last[key] != i {
			continue
		}
		if text, ok := value.(*types.CustomFieldStringValue); ok && text.Value == "" {
			continue
		}
		kept = append(kept, value)
	}
	return kept
}
