// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// Paged property retrieval as a vCenter does it: RetrievePropertiesEx honours
// options.maxObjects and answers a token when objects remain, and
// ContinueRetrievePropertiesEx / CancelRetrievePropertiesEx page through them.
// The stock simulator ignores maxObjects and lacks both methods.
//
// The stock answer is complete and each <objects> element of it carries its
// own namespace declarations, so pages are slices of that answer's bytes.

// pagingDelay is the -delay of the stock calls, applied to the pages served here.
var pagingDelay time.Duration

// A result not continued for this long is dropped, as a server drops the
// retrievals of a client that went away.
const pagedResultLifetime = 10 * time.Minute

var (
	maxObjectsPattern = regexp.MustCompile(`<(?:[A-Za-z0-9_]+:)?maxObjects(?:\s[^>]*)?>\s*(-?[0-9]+)\s*<`)
	tokenPattern      = regexp.MustCompile(`<(?:[A-Za-z0-9_]+:)?token(?:\s[^>]*)?>([^<]*)<`)
)

type pagedResult struct {
	session string
	objects [][]byte
	next    int
	size    int
	touched time.Time
}

type pager struct {
	mu      sync.Mutex
	serial  int64
	results map[string]*pagedResult
}

var retrievalPager = &pager{results: map[string]*pagedResult{}}

func sessionCookie(r *http.Request) string {
	if cookie, err := r.Cookie("vmware_soap_session"); err == nil {
		return cookie.Value
	}
	return ""
}

// requestedPageSize is options.maxObjects of a RetrievePropertiesEx request, 0 if unset.
func requestedPageSize(body []byte) int {
	match := maxObjectsPattern.FindSubmatch(body)
	if match == nil {
		return 0
	}
	size, err := strconv.Atoi(string(match[1]))
	if err != nil || size < 0 {
		return 0
	}
	return size
}

// servePaging serves the paging methods. It returns false for the calls it
// leaves to the simulator.
func (h *frontHandler) servePaging(w *countingWriter, r *http.Request, method string, body []byte) bool {
	switch method {
	case "RetrievePropertiesEx":
		size := requestedPageSize(body)
		if size == 0 {
			return false
		}
		buffered := newBufferedWriter(w.Header())
		h.serveRecovering(buffered, r, method)
		answer := buffered.body.Bytes()
		if buffered.status == http.StatusOK {
			answer = retrievalPager.firstPage(sessionCookie(r), answer, size)
		}
		w.WriteHeader(buffered.status)
		_, _ = w.Write(answer)
		return true
	case "ContinueRetrievePropertiesEx", "CancelRetrievePropertiesEx":
		if !h.sessionIsValid(w, r) {
			return true
		}
		token := ""
		if match := tokenPattern.FindSubmatch(body); match != nil {
			token = string(bytes.TrimSpace(match[1]))
		}
		var status int
		var answer []byte
		if method == "CancelRetrievePropertiesEx" {
			status, answer = retrievalPager.cancel(sessionCookie(r), token)
		} else {
			status, answer = retrievalPager.nextPage(sessionCookie(r), token)
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write(answer)
		return true
	}
	return false
}

// sessionIsValid asks the simulator whether the caller's session is alive with
// a harmless call that needs one (and renews its idle time, as any call does);
// if not, the caller gets the simulator's NotAuthenticated answer.
func (h *frontHandler) sessionIsValid(w *countingWriter, r *http.Request) bool {
	probe := []byte(soapEnvelopeStart + `<CurrentTime xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></CurrentTime>` +
		soapEnvelopeEnd)
	probeRequest := r.Clone(r.Context())
	probeRequest.Body = nopCloser{bytes.NewReader(probe)}
	probeRequest.ContentLength = int64(len(probe))
	probeRequest.Header.Set("Content-Length", strconv.Itoa(len(probe)))
	buffered := newBufferedWriter(http.Header{})
	h.serveRecovering(buffered, probeRequest, "CurrentTime")
	if buffered.status == http.StatusOK {
		return true
	}
	for key, values := range buffered.header {
		w.Header()[key] = values
	}
	w.WriteHeader(buffered.status)
	_, _ = w.Write(buffered.body.Bytes())
	return false
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// objectSpans are the byte ranges of the <objects> elements of a
// RetrievePropertiesEx answer, and where the first one starts and the last ends.
func objectSpans(answer []byte) [][2]int {
	open := []byte("<objects")
	closeTag := []byte("</objects>")
	var spans [][2]int
	pos := 0
	for {
		start := bytes.Index(answer[pos:], open)
		if start < 0 {
			return spans
		}
		start += pos
		after := start + len(open)
		if after >= len(answer) || (answer[after] != '>' && answer[after] != ' ') {
			pos = after
			continue
		}
		// ObjectContent has no child named objects, so the next closing tag ends it.
		end := bytes.Index(answer[after:], closeTag)
		if end < 0 {
			return spans
		}
		end += after + len(closeTag)
		spans = append(spans, [2]int{start, end})
		pos = end
	}
}

func (p *pager) firstPage(session string, answer []byte, size int) []byte {
	spans := objectSpans(answer)
	if len(spans) <= size {
		return answer
	}
	objects := make([][]byte, len(spans))
	for i, span := range spans {
		objects[i] = answer[span[0]:span[1]]
	}
	p.mu.Lock()
	p.dropStale()
	p.serial++
	token := fmt.Sprintf("virtesx-retrieval-%d", p.serial)
	p.results[token] = &pagedResult{session: session, objects: objects, next: size, size: size, touched: time.Now()}
	p.mu.Unlock()

	first := spans[0][0]
	last := spans[size-1][1]
	end := spans[len(spans)-1][1]
	page := make([]byte, 0, first+last-first+len(answer)-end+64)
	page = append(page, answer[:first]...)
	page = append(page, "<token>"+token+"</token>"...)
	page = append(page, answer[first:last]...)
	return append(page, answer[end:]...)
}

func (p *pager) take(session, token string) (*pagedResult, []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropStale()
	result, ok := p.results[token]
	if !ok || result.session != session {
		return nil, invalidArgumentFault("token", fmt.Sprintf("The token %q does not name a retrieval of this session in progress.", token))
	}
	result.touched = time.Now()
	return result, nil
}

func (p *pager) nextPage(session, token string) (int, []byte) {
	if pagingDelay > 0 {
		time.Sleep(pagingDelay)
	}
	result, fault := p.take(session, token)
	if result == nil {
		return http.StatusInternalServerError, fault
	}
	p.mu.Lock()
	stop := result.next + result.size
	if stop >= len(result.objects) {
		stop = len(result.objects)
		delete(p.results, token)
	}
	objects := result.objects[result.next:stop]
	result.next = stop
	more := stop < len(result.objects)
	p.mu.Unlock()

	var page bytes.Buffer
	page.WriteString(soapEnvelopeStart + `<ContinueRetrievePropertiesExResponse xmlns="urn:vim25"><returnval>`)
	if more {
		page.WriteString("<token>" + token + "</token>")
	}
	for _, object := range objects {
		page.Write(object)
	}
	page.WriteString(`</returnval></ContinueRetrievePropertiesExResponse>` + soapEnvelopeEnd)
	return http.StatusOK, page.Bytes()
}

func (p *pager) cancel(session, token string) (int, []byte) {
	if pagingDelay > 0 {
		time.Sleep(pagingDelay)
	}
	if result, fault := p.take(session, token); result == nil {
		return http.StatusInternalServerError, fault
	}
	p.mu.Lock()
	delete(p.results, token)
	p.mu.Unlock()
	return http.StatusOK, emptyResponse("CancelRetrievePropertiesEx")
}

// dropStale forgets abandoned retrievals; the caller holds p.mu.
func (p *pager) dropStale() {
	for token, result := range p.results {
		if time.Since(result.touched) > pagedResultLifetime {
			delete(p.results, token)
		}
	}
}

func invalidArgumentFault(property, message string) []byte {
	m := xmlEscape(message)
	return []byte(soapEnvelopeStart + `<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>` + m +
		`</faultstring><detail><InvalidArgumentFault xmlns="urn:vim25" xsi:type="InvalidArgument"><invalidProperty>` +
		xmlEscape(property) + `</invalidProperty></InvalidArgumentFault></detail></soapenv:Fault>` + soapEnvelopeEnd)
}
