// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// soapCall is what the front handler needs to know about a SOAP request before
// the simulator decodes it: the method, its _this, and where the _this start
// tag sits in the body (to redirect the call to another object).
type soapCall struct {
	Method    string
	ThisType  string
	ThisValue string
	thisStart int64 // byte offsets of the whole <_this> element
	thisEnd   int64
}

// parseSOAPCall reads a request envelope up to its _this element. It returns
// an error for anything that is not a SOAP call; the simulator then answers
// with its own fault.
func parseSOAPCall(body []byte) (*soapCall, error) {
	decoder := xml.NewDecoder(bytes.NewReader(body))
	call := &soapCall{}
	depth := 0
	inBody := false
	methodDepth := 0
	for {
		offset := decoder.InputOffset()
		token, err := decoder.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := token.(type) {
		case xml.StartElement:
			depth++
			switch {
			case !inBody && t.Name.Local == "Body" && depth == 2:
				inBody = true
			case inBody && call.Method == "":
				call.Method = t.Name.Local
				methodDepth = depth
			case call.Method != "" && depth == methodDepth+1 && t.Name.Local == "_this":
				call.thisStart = offset
				for _, attr := range t.Attr {
					if attr.Name.Local == "type" && attr.Name.Space == "" {
						call.ThisType = attr.Value
					}
				}
				var value string
				if err := decoder.DecodeElement(&value, &t); err != nil {
					return nil, err
				}
				call.ThisValue = strings.TrimSpace(value)
				call.thisEnd = decoder.InputOffset()
				return call, nil
			}
		case xml.EndElement:
			depth--
			if call.Method != "" && depth < methodDepth {
				return call, nil
			}
		}
	}
	if call.Method == "" {
		return nil, fmt.Errorf("no SOAP method in the request")
	}
	return call, nil
}

// withThis returns body with the _this element replaced by a reference to
// another object.
func (c *soapCall) withThis(body []byte, thisType, thisValue string) []byte {
	if c.thisEnd <= c.thisStart || c.thisEnd > int64(len(body)) {
		return body
	}
	element := `<_this type="` + xmlEscape(thisType) + `">` + xmlEscape(thisValue) + `</_this>`
	out := make([]byte, 0, len(body)+len(element))
	out = append(out, body[:c.thisStart]...)
	out = append(out, element...)
	return append(out, body[c.thisEnd:]...)
}

const soapEnvelopeStart = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
	`<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"` +
	` xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"` +
	` xmlns:xsd="http://www.w3.org/2001/XMLSchema"` +
	` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>`

const soapEnvelopeEnd = `</soapenv:Body></soapenv:Envelope>`

// emptyResponse is a method's answer without a return value, which is how a
// vSphere server answers Fetch of a property that is not set.
func emptyResponse(method string) []byte {
	return []byte(soapEnvelopeStart + `<` + method + `Response xmlns="urn:vim25"></` + method + `Response>` + soapEnvelopeEnd)
}

func xmlEscape(text string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(text))
	return b.String()
}

// systemErrorFault is a vmodl.fault.SystemError answer, for a simulator panic
// that would otherwise drop the connection without an answer.
func systemErrorFault(message string) []byte {
	m := xmlEscape(message)
	return []byte(soapEnvelopeStart + `<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>` + m +
		`</faultstring><detail><SystemErrorFault xmlns="urn:vim25" xsi:type="SystemError"><reason>` + m +
		`</reason></SystemErrorFault></detail></soapenv:Fault>` + soapEnvelopeEnd)
}
