// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/vmware/govmomi/simulator"
)

// DELETE of a datastore file over /folder, which the stock handler answers
// with 200 without deleting anything. As on a host: 204 once deleted, 404 for
// a missing file, datastore or datacenter, 403 for a directory that is not empty.
// The session cookie is checked like the other /folder requests are not: the
// stock handler does not check it either.

const folderPrefix = "/folder/"

// serveFolderDelete answers a DELETE under /folder; false for any other request.
func serveFolderDelete(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodDelete || !strings.HasPrefix(r.URL.Path, folderPrefix) {
		return false
	}
	query := r.URL.Query()
	dir, ok := datastoreDirectory(query.Get("dsName"))
	if !ok || !datacenterExists(query.Get("dcPath")) {
		http.Error(w, "datastore not found", http.StatusNotFound)
		return true
	}
	rel := path.Clean("/" + strings.TrimPrefix(r.URL.Path, folderPrefix))
	if rel == "/" {
		http.Error(w, "cannot delete a datastore's root", http.StatusForbidden)
		return true
	}
	target := filepath.Join(dir, filepath.FromSlash(rel))
	info, err := os.Stat(target)
	if err != nil {
		http.Error(w, "file not found", http.StatusNotFound)
		return true
	}
	if err := os.Remove(target); err != nil {
		status := http.StatusInternalServerError
		if info.IsDir() {
			status = http.StatusForbidden
		}
		http.Error(w, "cannot delete: "+err.Error(), status)
		return true
	}
	w.WriteHeader(http.StatusNoContent)
	return true
}

// datacenterExists accepts an empty dcPath (the only datacenter) or one whose
// last item names a datacenter.
func datacenterExists(dcPath string) bool {
	if dcPath == "" {
		return true
	}
	name := path.Base(strings.Trim(dcPath, "/"))
	for _, obj := range simulator.Map.All("Datacenter") {
		if dc, ok := obj.(*simulator.Datacenter); ok && dc.Name == name {
			return true
		}
	}
	return false
}
