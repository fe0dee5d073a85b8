// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/ioutil"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// The vSphere Automation API's tagging service, in both of vCenter's dialects:
//
//   /api/session, /api/cis/tagging/...              (vCenter 7.0+: plain JSON, ?action=)
//   /rest/com/vmware/cis/session, /rest/com/vmware/cis/tagging/...
//                                                   (6.5+: {"value": ...}, id:<id>, ?~action=,
//                                                    create_spec / update_spec wrappers)
//
// The stock vapi simulator of govmomi 0.24.2 serves /rest only and none of the bulk
// association calls; this one shares one store between both dialects so that a test
// can write through one and read through the other. It is served in vpx mode only:
// a standalone ESX host has no Automation API (404, as on a real host). Behaviour
// follows the published API reference (see README.md, SIMULATOR notes).

var tagging = newTagStore()

// taggingEnabled and the credentials are set by run() from the options.
var (
	taggingEnabled  bool
	taggingUser     string
	taggingPassword string
	// taggingRestOnly makes /api answer 404, as a vCenter 6.7 does (-tagging-dialect rest).
	taggingRestOnly bool
)

const (
	apiPrefix  = "/api/cis/tagging/"
	restPrefix = "/rest/com/vmware/cis/tagging/"
)

type tagCategory struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	Description     string   `json:"description"`
	Cardinality     string   `json:"cardinality"`
	AssociableTypes []string `json:"associable_types"`
	UsedBy          []string `json:"used_by"`
}

type tagModel struct {
	ID          string   `json:"id"`
	CategoryID  string   `json:"category_id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	UsedBy      []string `json:"used_by"`
}

type dynamicID struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type tagStore struct {
	sync.Mutex
	sessions   map[string]bool
	categories map[string]*tagCategory
	tags       map[string]*tagModel
	attached   map[string]map[dynamicID]bool // tag id -> objects
}

func newTagStore() *tagStore {
	return &tagStore{sessions: map[string]bool{}, categories: map[string]*tagCategory{},
		tags: map[string]*tagModel{}, attached: map[string]map[dynamicID]bool{}}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newTaggingID(kind string) string {
	u := randomHex(16)
	return fmt.Sprintf("urn:vmomi:%s:%s-%s-%s-%s-%s:GLOBAL", kind, u[0:8], u[8:12], u[12:16], u[16:20], u[20:32])
}

// apiError is an error answer: /api {"error_type", "messages"}; /rest {"type", "value": {"messages"}}.
type apiError struct {
	status  int
	kind    string // NOT_FOUND, ALREADY_EXISTS, INVALID_ARGUMENT, UNAUTHENTICATED
	message string
}

func (e *apiError) Error() string { return e.message }

func tagNotFound(format string, args ...interface{}) *apiError {
	return &apiError{http.StatusNotFound, "NOT_FOUND", fmt.Sprintf(format, args...)}
}

func tagInvalid(format string, args ...interface{}) *apiError {
	return &apiError{http.StatusBadRequest, "INVALID_ARGUMENT", fmt.Sprintf(format, args...)}
}

func tagExists(format string, args ...interface{}) *apiError {
	return &apiError{http.StatusBadRequest, "ALREADY_EXISTS", fmt.Sprintf(format, args...)}
}

type taggingRequest struct {
	rest   bool
	method string
	parts  []string // "category" | "tag" | "tag-association", then maybe the id
	action string
	body   map[string]json.RawMessage
}

// serveTagging answers the Automation API paths; false for any other path.
func serveTagging(w http.ResponseWriter, r *http.Request) bool {
	path := r.URL.Path
	rest := strings.HasPrefix(path, "/rest/")
	isSession := path == "/api/session" || path == "/rest/com/vmware/cis/session"
	if !isSession && !strings.HasPrefix(path, apiPrefix) && !strings.HasPrefix(path, restPrefix) {
		return false
	}
	if !taggingEnabled || (taggingRestOnly && !rest) {
		http.NotFound(w, r)
		return true
	}
	if isSession {
		serveTagSession(w, r, rest)
		return true
	}
	tagging.Lock()
	authenticated := tagging.sessions[r.Header.Get("vmware-api-session-id")]
	tagging.Unlock()
	if !authenticated {
		writeTagError(w, rest, &apiError{http.StatusUnauthorized, "UNAUTHENTICATED", "This method requires authentication."})
		return true
	}
	req := &taggingRequest{rest: rest, method: r.Method}
	rel := strings.TrimPrefix(strings.TrimPrefix(path, apiPrefix), restPrefix)
	req.parts = strings.SplitN(rel, "/", 2)
	if len(req.parts) == 2 && rest {
		if !strings.HasPrefix(req.parts[1], "id:") {
			writeTagError(w, rest, tagNotFound("no such path %s", path))
			return true
		}
		req.parts[1] = strings.TrimPrefix(req.parts[1], "id:")
	}
	if rest {
		req.action = r.URL.Query().Get("~action")
	} else {
		req.action = r.URL.Query().Get("action")
	}
	if data, _ := ioutil.ReadAll(r.Body); len(data) > 0 {
		if err := json.Unmarshal(data, &req.body); err != nil {
			writeTagError(w, rest, tagInvalid("the body is not a JSON object: %v", err))
			return true
		}
	}
	tagging.Lock()
	value, status, err := tagging.serve(req)
	tagging.Unlock()
	if err != nil {
		writeTagError(w, rest, err)
		return true
	}
	writeTagValue(w, rest, status, value)
	return true
}

func serveTagSession(w http.ResponseWriter, r *http.Request, rest bool) {
	switch r.Method {
	case http.MethodPost:
		user, password, ok := r.BasicAuth()
		if !ok || (taggingUser != "" && (user != taggingUser || password != taggingPassword)) {
			writeTagError(w, rest, &apiError{http.StatusUnauthorized, "UNAUTHENTICATED", "Authentication required."})
			return
		}
		token := randomHex(16)
		tagging.Lock()
		tagging.sessions[token] = true
		tagging.Unlock()
		status := http.StatusCreated
		if rest {
			status = http.StatusOK
		}
		writeTagValue(w, rest, status, token)
	case http.MethodDelete:
		tagging.Lock()
		delete(tagging.sessions, r.Header.Get("vmware-api-session-id"))
		tagging.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		writeTagError(w, rest, tagInvalid("method %s", r.Method))
	}
}

func writeTagValue(w http.ResponseWriter, rest bool, status int, value interface{}) {
	if value == nil {
		w.WriteHeader(status)
		return
	}
	if rest {
		value = map[string]interface{}{"value": value}
	}
	data, _ := json.Marshal(value)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func writeTagError(w http.ResponseWriter, rest bool, err error) {
	e, ok := err.(*apiError)
	if !ok {
		e = &apiError{http.StatusInternalServerError, "ERROR", err.Error()}
	}
	messages := []map[string]interface{}{{"id": "vcsim.tagging." + strings.ToLower(e.kind),
		"default_message": e.message, "args": []string{}}}
	var body interface{}
	if rest {
		body = map[string]interface{}{"type": "com.vmware.vapi.std.errors." + strings.ToLower(e.kind),
			"value": map[string]interface{}{"messages": messages}}
	} else {
		body = map[string]interface{}{"error_type": e.kind, "messages": messages}
	}
	data, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_, _ = w.Write(data)
}

// field decodes one field of the body (for /rest, of its wrapper when there is one).
func (req *taggingRequest) field(name string, into interface{}) (bool, *apiError) {
	raw, ok := req.body[name]
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, into); err != nil {
		return false, tagInvalid("%s: %v", name, err)
	}
	return true, nil
}

// spec is the create or update specification: the body itself on /api, its wrapper on /rest.
func (req *taggingRequest) spec(wrapper string) (*taggingRequest, *apiError) {
	if !req.rest {
		return req, nil
	}
	inner := &taggingRequest{rest: true}
	found, err := req.field(wrapper, &inner.body)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, tagInvalid("%s is missing", wrapper)
	}
	return inner, nil
}

func (s *tagStore) serve(req *taggingRequest) (interface{}, int, *apiError) {
	id := ""
	if len(req.parts) == 2 {
		id = req.parts[1]
	}
	switch req.parts[0] {
	case "category":
		return s.serveCategory(req, id)
	case "tag":
		return s.serveTag(req, id)
	case "tag-association":
		return s.serveAssociation(req, id)
	}
	return nil, 0, tagNotFound("no such service %s", req.parts[0])
}

func (s *tagStore) serveCategory(req *taggingRequest, id string) (interface{}, int, *apiError) {
	switch {
	case id == "" && req.method == http.MethodGet:
		ids := []string{}
		for key := range s.categories {
			ids = append(ids, key)
		}
		sort.Strings(ids)
		return ids, http.StatusOK, nil
	case id == "" && req.method == http.MethodPost && req.action == "":
		spec, err := req.spec("create_spec")
		if err != nil {
			return nil, 0, err
		}
		category := &tagCategory{UsedBy: []string{}, AssociableTypes: []string{}}
		var hasName, hasCardinality bool
		if hasName, err = spec.field("name", &category.Name); err != nil {
			return nil, 0, err
		}
		if _, err = spec.field("description", &category.Description); err != nil {
			return nil, 0, err
		}
		if hasCardinality, err = spec.field("cardinality", &category.Cardinality); err != nil {
			return nil, 0, err
		}
		if _, err = spec.field("associable_types", &category.AssociableTypes); err != nil {
			return nil, 0, err
		}
		if !hasName || category.Name == "" {
			return nil, 0, tagInvalid("name is required")
		}
		if !hasCardinality || (category.Cardinality != "SINGLE" && category.Cardinality != "MULTIPLE") {
			return nil, 0, tagInvalid("cardinality must be SINGLE or MULTIPLE, not %q", category.Cardinality)
		}
		for _, other := range s.categories {
			if other.Name == category.Name {
				return nil, 0, tagExists("a category named %s exists", category.Name)
			}
		}
		category.ID = newTaggingID("InventoryServiceCategory")
		s.categories[category.ID] = category
		return category.ID, http.StatusCreated, nil
	case id == "":
		return nil, 0, tagInvalid("unsupported %s on categories (action %q)", req.method, req.action)
	}
	category, ok := s.categories[id]
	if !ok {
		return nil, 0, tagNotFound("no category %s", id)
	}
	switch req.method {
	case http.MethodGet:
		return category, http.StatusOK, nil
	case http.MethodPatch:
		spec, err := req.spec("update_spec")
		if err != nil {
			return nil, 0, err
		}
		updated := *category
		if _, err = spec.field("name", &updated.Name); err != nil {
			return nil, 0, err
		}
		if _, err = spec.field("description", &updated.Description); err != nil {
			return nil, 0, err
		}
		if _, err = spec.field("cardinality", &updated.Cardinality); err != nil {
			return nil, 0, err
		}
		var types []string
		hasTypes, err := spec.field("associable_types", &types)
		if err != nil {
			return nil, 0, err
		}
		if updated.Cardinality != "SINGLE" && updated.Cardinality != "MULTIPLE" {
			return nil, 0, tagInvalid("cardinality must be SINGLE or MULTIPLE")
		}
		// The reference: cardinality may go from SINGLE to MULTIPLE, not back; associable
		// types may only be added to (an empty set is every type).
		if category.Cardinality == "MULTIPLE" && updated.Cardinality == "SINGLE" {
			return nil, 0, tagInvalid("the cardinality of a category cannot change from MULTIPLE to SINGLE")
		}
		if hasTypes {
			if len(category.AssociableTypes) == 0 && len(types) > 0 {
				return nil, 0, tagInvalid("the associable types of a category can only be extended")
			}
			have := map[string]bool{}
			for _, t := range types {
				have[t] = true
			}
			for _, t := range category.AssociableTypes {
				if len(types) > 0 && !have[t] {
					return nil, 0, tagInvalid("the associable types of a category can only be extended (%s is missing)", t)
				}
			}
			updated.AssociableTypes = types
		}
		for otherID, other := range s.categories {
			if otherID != id && other.Name == updated.Name {
				return nil, 0, tagExists("a category named %s exists", updated.Name)
			}
		}
		*category = updated
		return nil, http.StatusNoContent, nil
	case http.MethodDelete:
		for tagID, tag := range s.tags {
			if tag.CategoryID == id {
				delete(s.tags, tagID)
				delete(s.attached, tagID)
			}
		}
		delete(s.categories, id)
		return nil, http.StatusNoContent, nil
	}
	return nil, 0, tagInvalid("unsupported %s on a category", req.method)
}

func (s *tagStore) serveTag(req *taggingRequest, id string) (interface{}, int, *apiError) {
	switch {
	case id == "" && req.method == http.MethodGet:
		ids := []string{}
		for key := range s.tags {
			ids = append(ids, key)
		}
		sort.Strings(ids)
		return ids, http.StatusOK, nil
	case req.method == http.MethodPost && req.action == "list-tags-for-category":
		categoryID := id // /rest: tag/id:<category>?~action=list-tags-for-category
		if categoryID == "" {
			if _, err := req.field("category_id", &categoryID); err != nil {
				return nil, 0, err
			}
		}
		if _, ok := s.categories[categoryID]; !ok {
			return nil, 0, tagNotFound("no category %s", categoryID)
		}
		ids := []string{}
		for key, tag := range s.tags {
			if tag.CategoryID == categoryID {
				ids = append(ids, key)
			}
		}
		sort.Strings(ids)
		return ids, http.StatusOK, nil
	case id == "" && req.method == http.MethodPost && req.action == "":
		spec, err := req.spec("create_spec")
		if err != nil {
			return nil, 0, err
		}
		tag := &tagModel{UsedBy: []string{}}
		if _, err = spec.field("name", &tag.Name); err != nil {
			return nil, 0, err
		}
		if _, err = spec.field("description", &tag.Description); err != nil {
			return nil, 0, err
		}
		if _, err = spec.field("category_id", &tag.CategoryID); err != nil {
			return nil, 0, err
		}
		if tag.Name == "" {
			return nil, 0, tagInvalid("name is required")
		}
		if _, ok := s.categories[tag.CategoryID]; !ok {
			return nil, 0, tagNotFound("no category %s", tag.CategoryID)
		}
		for _, other := range s.tags {
			if other.CategoryID == tag.CategoryID && other.Name == tag.Name {
				return nil, 0, tagExists("a tag named %s exists in the category", tag.Name)
			}
		}
		tag.ID = newTaggingID("InventoryServiceTag")
		s.tags[tag.ID] = tag
		return tag.ID, http.StatusCreated, nil
	case id == "":
		return nil, 0, tagInvalid("unsupported %s on tags (action %q)", req.method, req.action)
	}
	tag, ok := s.tags[id]
	if !ok {
		return nil, 0, tagNotFound("no tag %s", id)
	}
	switch req.method {
	case http.MethodGet:
		return tag, http.StatusOK, nil
	case http.MethodPatch:
		spec, err := req.spec("update_spec")
		if err != nil {
			return nil, 0, err
		}
		updated := *tag
		if _, err = spec.field("name", &updated.Name); err != nil {
			return nil, 0, err
		}
		if _, err = spec.field("description", &updated.Description); err != nil {
			return nil, 0, err
		}
		*tag = updated
		return nil, http.StatusNoContent, nil
	case http.MethodDelete:
		delete(s.tags, id)
		delete(s.attached, id)
		return nil, http.StatusNoContent, nil
	}
	return nil, 0, tagInvalid("unsupported %s on a tag", req.method)
}

func objectExists(object dynamicID) bool {
	return simulator.Map.Get(types.ManagedObjectReference{Type: object.Type, Value: object.ID}) != nil
}

func (s *tagStore) tagsOf(object dynamicID) []string {
	ids := []string{}
	for tagID, objects := range s.attached {
		if objects[object] {
			ids = append(ids, tagID)
		}
	}
	sort.Strings(ids)
	return ids
}

func (s *tagStore) serveAssociation(req *taggingRequest, id string) (interface{}, int, *apiError) {
	if req.method != http.MethodPost {
		return nil, 0, tagInvalid("unsupported %s on tag associations", req.method)
	}
	if id != "" {
		tag, ok := s.tags[id]
		if !ok {
			return nil, 0, tagNotFound("no tag %s", id)
		}
		var object dynamicID
		if found, err := req.field("object_id", &object); err != nil || !found {
			return nil, 0, tagInvalid("object_id is required")
		}
		switch req.action {
		case "attach":
			if !objectExists(object) {
				return nil, 0, tagNotFound("no object %s:%s", object.Type, object.ID)
			}
			category := s.categories[tag.CategoryID]
			if len(category.AssociableTypes) > 0 {
				allowed := false
				for _, t := range category.AssociableTypes {
					allowed = allowed || t == object.Type
				}
				if !allowed {
					return nil, 0, tagInvalid("tags of category %s cannot be attached to a %s", category.Name, object.Type)
				}
			}
			if category.Cardinality == "SINGLE" {
				for _, other := range s.tagsOf(object) {
					if other != id && s.tags[other].CategoryID == tag.CategoryID {
						return nil, 0, tagInvalid("category %s takes one tag per object", category.Name)
					}
				}
			}
			if s.attached[id] == nil {
				s.attached[id] = map[dynamicID]bool{}
			}
			s.attached[id][object] = true
		case "detach":
			delete(s.attached[id], object)
		case "list-attached-objects":
			return s.objectsOf(id), http.StatusOK, nil
		default:
			return nil, 0, tagInvalid("unknown action %q", req.action)
		}
		return nil, http.StatusNoContent, nil
	}
	switch req.action {
	case "list-attached-tags":
		var object dynamicID
		if found, err := req.field("object_id", &object); err != nil || !found {
			return nil, 0, tagInvalid("object_id is required")
		}
		return s.tagsOf(object), http.StatusOK, nil
	case "list-attached-objects-on-tags":
		var tagIDs []string
		if _, err := req.field("tag_ids", &tagIDs); err != nil {
			return nil, 0, err
		}
		answer := []map[string]interface{}{}
		for _, tagID := range tagIDs {
			if _, ok := s.tags[tagID]; !ok {
				continue // the reference: unknown tags are left out of the result
			}
			answer = append(answer, map[string]interface{}{"tag_id": tagID, "object_ids": s.objectsOf(tagID)})
		}
		return answer, http.StatusOK, nil
	case "list-attached-tags-on-objects":
		var objects []dynamicID
		if _, err := req.field("object_ids", &objects); err != nil {
			return nil, 0, err
		}
		answer := []map[string]interface{}{}
		for _, object := range objects {
			answer = append(answer, map[string]interface{}{"object_id": object, "tag_ids": s.tagsOf(object)})
		}
		return answer, http.StatusOK, nil
	}
	return nil, 0, tagInvalid("unknown action %q", req.action)
}

func (s *tagStore) objectsOf(tagID string) []dynamicID {
	objects := []dynamicID{}
	for object := range s.attached[tagID] {
		objects = append(objects, object)
	}
	sort.Slice(objects, func(i, j int) bool { return objects[i].ID < objects[j].ID })
	return objects
}

// seedVMMetadata gives every VM tagsPerVM tags (one in each of tagsPerVM categories
// "category-<n>" of ten tags "tag-<m>", taken round robin) and attributesPerVM custom
// attributes "attribute-<n>" = "<vm name>-<n>", for the inventory benchmark.
func seedVMMetadata(tagsPerVM, attributesPerVM int) {
	vms := simulator.Map.All("VirtualMachine")
	tagging.Lock()
	defer tagging.Unlock()
	for c := 0; c < tagsPerVM; c++ {
		category := &tagCategory{ID: newTaggingID("InventoryServiceCategory"), Name: fmt.Sprintf("category-%d", c),
			Cardinality: "SINGLE", AssociableTypes: []string{"VirtualMachine"}, UsedBy: []string{}}
		tagging.categories[category.ID] = category
		tagIDs := []string{}
		for t := 0; t < 10; t++ {
			tag := &tagModel{ID: newTaggingID("InventoryServiceTag"), CategoryID: category.ID,
				Name: fmt.Sprintf("tag-%d", t), UsedBy: []string{}}
			tagging.tags[tag.ID] = tag
			tagging.attached[tag.ID] = map[dynamicID]bool{}
			tagIDs = append(tagIDs, tag.ID)
		}
		for i, vm := range vms {
			ref := vm.Reference()
			tagging.attached[tagIDs[(i+c)%10]][dynamicID{Type: ref.Type, ID: ref.Value}] = true
		}
	}
	if attributesPerVM == 0 {
		return
	}
	manager := simulator.Map.CustomFieldsManager()
	for a := 0; a < attributesPerVM; a++ {
		manager.AddCustomFieldDef(&types.AddCustomFieldDef{Name: fmt.Sprintf("attribute-%d", a), MoType: "VirtualMachine"})
		key := manager.Field[len(manager.Field)-1].Key
		for _, vm := range vms {
			entity := vm.(mo.Entity).Entity()
			value := &types.CustomFieldStringValue{CustomFieldValue: types.CustomFieldValue{Key: key},
				Value: fmt.Sprintf("%s-%d", entity.Name, a)}
			entity.CustomValue = append(entity.CustomValue, value)
			entity.Value = append(entity.Value, value)
		}
	}
}
