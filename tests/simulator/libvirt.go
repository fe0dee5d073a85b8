// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

// The -libvirt mode: SOAP answers serialized the way a real ESX or vCenter
// writes them, so that libvirt's ESX driver (virsh esx://, vpx://) can read
// them as well as pyVmomi does.
//
// govmomi's encoder writes xsi:type on an ArrayOf... value but not on its
// items, and none on values whose declared type is xsd:anyType when they are
// primitives (OptionValue.value holding a string). A real server types both.
// libvirt deserializes those places as xsd:anyType and refuses an element
// without a type ("AnyType is missing 'type' property"), so it could not even
// finish connecting. The rewriter here adds the missing xsi:type attributes to
// the answer text; nothing in the model changes.

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// libvirtHandler buffers each SOAP answer and adds the missing xsi:type
// attributes; other requests pass through unchanged.
type libvirtHandler struct {
	next http.Handler
}

func newLibvirtHandler(next http.Handler) http.Handler {
	return &libvirtHandler{next: next}
}

func (h *libvirtHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !(isSOAPPath(r.URL.Path) && r.Method == http.MethodPost) {
		h.next.ServeHTTP(w, r)
		return
	}
	buffered := newBufferedWriter(w.Header())
	h.next.ServeHTTP(buffered, r)
	body := typeAnswer(buffered.body.Bytes())
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(buffered.status)
	_, _ = w.Write(body)
}

// The items of ArrayOf<primitive> values are XML Schema types.
var schemaItemTypes = map[string]string{
	"String": "xsd:string", "Int": "xsd:int", "Long": "xsd:long", "Short": "xsd:short",
	"Byte": "xsd:byte", "Boolean": "xsd:boolean", "DateTime": "xsd:dateTime", "Double": "xsd:double",
	"Float": "xsd:float", "Base64Binary": "xsd:base64Binary", "AnyURI": "xsd:anyURI",
}

// arrayItemType is the type of the items of an ArrayOf... value ("" when the
// value is no array, or an ArrayOfAnyType whose items carry their own types).
func arrayItemType(xsiType string) string {
	if !strings.HasPrefix(xsiType, "ArrayOf") {
		return ""
	}
	item := strings.TrimPrefix(xsiType, "ArrayOf")
	if item == "AnyType" || item == "" {
		return ""
	}
	if schema, ok := schemaItemTypes[item]; ok {
		return schema
	}
	return item
}

// Elements declared xsd:anyType whose primitive content govmomi writes untyped.
// OptionValue.value is the one libvirt reads (config.extraConfig, the
// advanced options); a string is what a real server sends for those.
var untypedAnyTypeElements = map[string]string{"value": "xsd:string"}

type openElement struct {
	name     string
	itemType string // the xsi:type its child elements get, if they have none
	inOption bool   // an OptionValue: its <value> is xsd:anyType
}

// typeAnswer adds the missing xsi:type attributes to a SOAP answer. The text
// is govmomi's own output: no comments, CDATA or DTD; '<' in text and '>' in
// attribute values are escaped, so a scan of the tags is exact.
func typeAnswer(body []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(body) + len(body)/16)
	var stack []openElement
	i := 0
	for {
		start := bytes.IndexByte(body[i:], '<')
		if start < 0 {
			out.Write(body[i:])
			return out.Bytes()
		}
		start += i
		end := bytes.IndexByte(body[start:], '>')
		if end < 0 {
			out.Write(body[i:])
			return out.Bytes()
		}
		end += start
		out.Write(body[i:start])
		tag := body[start : end+1]
		i = end + 1
		switch {
		case bytes.HasPrefix(tag, []byte("<?")) || bytes.HasPrefix(tag, []byte("<!")):
			out.Write(tag)
		case bytes.HasPrefix(tag, []byte("</")):
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			out.Write(tag)
		default:
			selfClosing := bytes.HasSuffix(tag, []byte("/>"))
			name, xsiType := tagNameAndType(tag)
			added := ""
			if xsiType == "" && len(stack) > 0 {
				parent := stack[len(stack)-1]
				added = parent.itemType
				if added == "" && parent.inOption {
					added = untypedAnyTypeElements[name]
				}
			}
			if added != "" {
				cut := len(tag) - 1
				if selfClosing {
					cut--
				}
				out.Write(tag[:cut])
				out.WriteString(` xsi:type="` + added + `"`)
				out.Write(tag[cut:])
				xsiType = added
			} else {
				out.Write(tag)
			}
			if !selfClosing {
				stack = append(stack, openElement{name: name, itemType: arrayItemType(xsiType),
					inOption: strings.HasSuffix(xsiType, "OptionValue")})
			}
		}
	}
}

// tagNameAndType reads a start tag's name and its xsi:type (any prefix: the
// simulator declares the schema-instance namespace under several names).
func tagNameAndType(tag []byte) (string, string) {
	inner := strings.TrimSuffix(strings.TrimSuffix(string(tag[1:]), ">"), "/")
	fields := strings.Fields(inner)
	if len(fields) == 0 {
		return "", ""
	}
	name := fields[0]
	if colon := strings.IndexByte(name, ':'); colon >= 0 {
		name = name[colon+1:]
	}
	rest := inner[len(fields[0]):]
	for {
		eq := strings.Index(rest, `="`)
		if eq < 0 {
			return name, ""
		}
		attr := strings.TrimSpace(rest[:eq])
		closing := strings.IndexByte(rest[eq+2:], '"')
		if closing < 0 {
			return name, ""
		}
		value := rest[eq+2 : eq+2+closing]
		rest = rest[eq+2+closing+1:]
		if strings.HasSuffix(attr, ":type") && !strings.HasPrefix(attr, "xmlns") {
			if colon := strings.IndexByte(value, ':'); colon >= 0 && !strings.HasPrefix(value, "xsd:") {
				value = value[colon+1:]
			}
			return name, value
		}
	}
}

// installVmfsExtents gives every VMFS volume the disk partition it lives on,
// as a real host reports it: libvirt's pool-dumpxml requires
// HostVmfsVolume.extent and fails without it.
func installVmfsExtents() {
	for index, obj := range simulator.Map.All("Datastore") {
		ds, ok := obj.(*simulator.Datastore)
		if !ok {
			continue
		}
		if info, ok := ds.Info.(*types.VmfsDatastoreInfo); ok && info.Vmfs != nil && len(info.Vmfs.Extent) == 0 {
			info.Vmfs.Extent = []types.HostScsiDiskPartition{{
				DiskName: fmt.Sprintf("mpx.vmhba1:C0:T%d:L0", index), Partition: 1}}
		}
	}
}
