// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"bytes"
	"io/ioutil"
	"net/http"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/vim25"
)

var serviceInstanceRef = vim25.ServiceInstance

func replaceAll(body []byte, old, new string) []byte {
	return bytes.ReplaceAll(body, []byte(old), []byte(new))
}

// frontHandler sits in front of the stock simulator's handler: it serves the
// control endpoints, counts requests, redirects the calls the simulator lacks
// to the question proxies, and answers for the simulator when it panics.
type frontHandler struct {
	next      http.Handler
	control   http.Handler
	questions *questionBook
	counter   *requestCounter
}

func newFrontHandler(next http.Handler, questions *questionBook, counter *requestCounter) http.Handler {
	return &frontHandler{
		next:      next,
		control:   newControlHandler(questions, counter),
		questions: questions,
		counter:   counter,
	}
}

func isSOAPPath(path string) bool {
	return path == vim25.Path || path == vim25.Path+"/vimService"
}

func (h *frontHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case path == controlPath || strings.HasPrefix(path, controlPath+"/"):
		h.control.ServeHTTP(w, r)
	case isSOAPPath(path) && r.Method == http.MethodPost:
		h.serveSOAP(w, r)
	default:
		h.counter.recordOther(r.Method + " " + firstSegment(path))
		if serveFolderDelete(w, r) || serveNFC(w, r) || serveTagging(w, r) { // tagging.go: the Automation API's tagging
			return
		}
		if serveScreen(w, r) {
			return
		}
		h.next.ServeHTTP(w, r)
	}
}

func firstSegment(path string) string {
	parts := strings.SplitN(strings.TrimPrefix(path, "/"), "/", 2)
	return "/" + parts[0]
}

func (h *frontHandler) serveSOAP(w http.ResponseWriter, r *http.Request) {
	body, err := ioutil.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		http.Error(w, "cannot read the request body", http.StatusBadRequest)
		return
	}

	method := ""
	call, parseErr := parseSOAPCall(body)
	if parseErr == nil {
		method = call.Method
	}
	routed := false
	if parseErr == nil {
		if proxy, ok := h.questions.route(call); ok {
			body = call.withThis(body, proxy.Type, proxy.Value)
			routed = true
		}
	}
	r.Body = ioutil.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.Header.Set("Content-Length", strconv.Itoa(len(body)))

	counted := &countingWriter{ResponseWriter: w}
	defer func() {
		h.counter.recordSOAP(method, int64(len(body)), counted.written)
	}()

	if parseErr == nil {
		defer fixCustomValuesAfter(call, body) // customfields.go
		defer fixDvsConfigAfter(call, body) // dvsconfig.go
	}
	if !routed && h.servePaging(counted, r, method, body) {
		return
	}
	if !routed {
		h.serveRecovering(counted, r, method)
		return
	}
	// A routed call's answer may name the proxy, so it is held back and fixed.
	buffered := newBufferedWriter(counted.Header())
	h.serveRecovering(buffered, r, method)
	counted.WriteHeader(buffered.status)
	_, _ = counted.Write(restoreReferences(buffered.body.Bytes()))
}

// serveRecovering passes the request to the simulator and, if it panics
// before answering, answers for it (see answerForPanic).
func (h *frontHandler) serveRecovering(w interface {
	http.ResponseWriter
	headerWritten() bool
}, r *http.Request, method string) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if buffered, ok := w.(*bufferedWriter); ok {
			buffered.discard()
		} else if p == http.ErrAbortHandler || w.headerWritten() {
			panic(p)
		}
		status, answer := answerForPanic(method, p)
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write(answer)
	}()
	h.next.ServeHTTP(w, r)
}

func (w *countingWriter) headerWritten() bool { return w.wroteHeader }

// bufferedWriter holds an answer back until the handler returns.
type bufferedWriter struct {
	header      http.Header
	status      int
	body        bytes.Buffer
	wroteHeader bool
}

func newBufferedWriter(header http.Header) *bufferedWriter {
	return &bufferedWriter{header: header, status: http.StatusOK}
}

func (w *bufferedWriter) Header() http.Header { return w.header }

func (w *bufferedWriter) WriteHeader(status int) {
	if !w.wroteHeader {
		w.status = status
		w.wroteHeader = true
	}
}

func (w *bufferedWriter) Write(p []byte) (int, error) {
	w.wroteHeader = true
	return w.body.Write(p)
}

func (w *bufferedWriter) headerWritten() bool { return w.wroteHeader }

func (w *bufferedWriter) discard() {
	w.body.Reset()
	w.status = http.StatusOK
	w.wroteHeader = false
}
