// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"net/http"
	"sync"
)

// requestCounter counts round trips at the server, so tests and benchmarks can
// assert how many SOAP calls a client needs.
type requestCounter struct {
	mu       sync.Mutex
	total    int64
	methods  map[string]int64
	bytesIn  int64
	bytesOut int64
	other    map[string]int64
}

// counterSnapshot is the JSON answer of GET <control_url>/counters. "total",
// "methods" and the byte counts cover SOAP requests only; "other" counts the
// remaining HTTP requests (datastore /folder transfers, ...) by method and path
// prefix.
type counterSnapshot struct {
	Total    int64            `json:"total"`
	Methods  map[string]int64 `json:"methods"`
	BytesIn  int64            `json:"bytes_in"`
	BytesOut int64            `json:"bytes_out"`
	Other    map[string]int64 `json:"other"`
}

func newRequestCounter() *requestCounter {
	return &requestCounter{methods: map[string]int64{}, other: map[string]int64{}}
}

func (c *requestCounter) recordSOAP(method string, in, out int64) {
	if method == "" {
		method = "(unparsable request)"
	}
	c.mu.Lock()
	c.total++
	c.methods[method]++
	c.bytesIn += in
	c.bytesOut += out
	c.mu.Unlock()
}

func (c *requestCounter) recordOther(key string) {
	c.mu.Lock()
	c.other[key]++
	c.mu.Unlock()
}

func (c *requestCounter) snapshot() counterSnapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := counterSnapshot{
		Total:    c.total,
		Methods:  make(map[string]int64, len(c.methods)),
		BytesIn:  c.bytesIn,
		BytesOut: c.bytesOut,
		Other:    make(map[string]int64, len(c.other)),
	}
	for k, v := range c.methods {
		s.Methods[k] = v
	}
	for k, v := range c.other {
		s.Other[k] = v
	}
	return s
}

func (c *requestCounter) reset() {
	c.mu.Lock()
	c.total, c.bytesIn, c.bytesOut = 0, 0, 0
	c.methods = map[string]int64{}
	c.other = map[string]int64{}
	c.mu.Unlock()
}

// countingWriter counts the body bytes written and remembers whether the
// header went out (after that, a panic can no longer become a SOAP answer).
type countingWriter struct {
	http.ResponseWriter
	written     int64
	wroteHeader bool
}

func (w *countingWriter) WriteHeader(status int) {
	w.wroteHeader = true
	w.ResponseWriter.WriteHeader(status)
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.wroteHeader = true
	n, err := w.ResponseWriter.Write(p)
	w.written += int64(n)
	return n, err
}
