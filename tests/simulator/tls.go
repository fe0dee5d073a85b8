// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io/ioutil"
	"math/big"
	"net"
	"path/filepath"
	"time"
)

// The stock simulator's certificate has a 1024-bit key, which OpenSSL refuses
// even when trusted. A throw-away CA signs a 2048-bit server certificate
// instead: clients trust ca.pem, and a CA plus a leaf also satisfies strict
// X.509 verification (Python 3.13's default), which a lone self-signed leaf may not.
const rsaBits = 2048

const (
	caFileName   = "ca.pem"
	certFileName = "server.pem"
	keyFileName  = "server-key.pem"
)

func randomSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

func writePEM(path, kind string, der []byte) error {
	return ioutil.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600)
}

// newTLSConfig creates the CA and the server certificate for 127.0.0.1 and
// localhost, writes them as PEM files into dir and returns the server's TLS
// configuration and the CA file's path.
func newTLSConfig(dir string) (*tls.Config, string, error) {
	now := time.Now()

	caKey, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return nil, "", err
	}
	caSerial, err := randomSerial()
	if err != nil {
		return nil, "", err
	}
	caTemplate := &x509.Certificate{
		SerialNumber:          caSerial,
		Subject:               pkix.Name{CommonName: "vcsim-virt-esx test CA", Organization: []string{"virt.esx tests"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, "", err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, "", err
	}

	serverKey, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return nil, "", err
	}
	serverSerial, err := randomSerial()
	if err != nil {
		return nil, "", err
	}
	serverTemplate := &x509.Certificate{
		SerialNumber:          serverSerial,
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"virt.esx tests"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	serverDER, err := x509.CreateCertificate(rand.Reader, serverTemplate, caCert, &serverKey.PublicKey, caKey)
	if err != nil {
		return nil, "", err
	}

	caFile := filepath.Join(dir, caFileName)
	if err := writePEM(caFile, "CERTIFICATE", caDER); err != nil {
		return nil, "", err
	}
	chain := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: serverDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})...)
	if err := ioutil.WriteFile(filepath.Join(dir, certFileName), chain, 0o600); err != nil {
		return nil, "", err
	}
	if err := writePEM(filepath.Join(dir, keyFileName), "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(serverKey)); err != nil {
		return nil, "", err
	}

	config := &tls.Config{
		MinVersion: tls.VersionTLS12,
		Certificates: []tls.Certificate{{
			Certificate: [][]byte{serverDER, caDER},
			PrivateKey:  serverKey,
		}},
	}
	return config, caFile, nil
}
