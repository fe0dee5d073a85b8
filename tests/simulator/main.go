// Copyright: virt.esx contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

// Command vcsim-virt-esx is the vSphere simulator used by the virt.esx tests:
// govmomi's simulator (vCenter or standalone ESX model) served on loopback over
// HTTPS, plus what the stock simulator lacks (VM questions, CancelTask, a
// request counter) and fixes for answers that break pyvmomi.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/ioutil"
	"log"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
)

const controlPath = "/virtesx"

type options struct {
	mode         string
	listen       string
	vms          int
	hosts        int
	clusters     int
	clusterHosts int
	datastores   int
	autostart    bool
	username     string
	password     string
	idleTimeout  time.Duration
	delay        time.Duration
	dir          string
	readyFile    string
	plainHTTP    bool
	guestInfo    bool
	vmFolders    int
	vmTags       int // tagging.go
	vmAttributes int
	libvirt      bool
}

// readyInfo is what -ready-file receives once the server accepts connections.
type readyInfo struct {
	URL        string  `json:"url"`
	Host       string  `json:"host"`
	Port       int     `json:"port"`
	CAFile     string  `json:"ca_file"`
	Mode       string  `json:"mode"`
	ControlURL string  `json:"control_url"`
	PID        int     `json:"pid"`
	VMs        int     `json:"vms"`
	StartupSec float64 `json:"startup_seconds"`
}

func parseOptions(args []string) (*options, error) {
	opts := &options{}
	fs := flag.NewFlagSet("vcsim-virt-esx", flag.ContinueOnError)
	fs.StringVar(&opts.mode, "mode", "vpx", "vpx (vCenter) or esx (standalone ESX host)")
	fs.StringVar(&opts.listen, "listen", "127.0.0.1:0", "loopback address to listen on; port 0 picks a free port")
	fs.IntVar(&opts.vms, "vms", 2, "VMs per standalone host and per cluster (the model's Machine count)")
	fs.IntVar(&opts.hosts, "hosts", 1, "standalone hosts per datacenter (vpx only)")
	fs.IntVar(&opts.clusters, "clusters", 1, "clusters per datacenter (vpx only)")
	fs.IntVar(&opts.clusterHosts, "cluster-hosts", 3, "hosts per cluster (vpx only)")
	fs.IntVar(&opts.datastores, "datastores", 1, "local datastores (LocalDS_0 holds the VMs' files)")
	fs.BoolVar(&opts.autostart, "autostart", true, "power on the model's VMs at start, as the stock simulator does")
	fs.StringVar(&opts.username, "username", "", "only this user may log in (needs -password); default: any non-empty user and password")
	fs.StringVar(&opts.password, "password", "", "password for -username")
	fs.IntVar(&opts.vmTags, "vm-tags", 0, "tags per VM, in as many single-cardinality categories (vpx only)")
	fs.BoolVar(&taggingRestOnly, "tagging-rest-only", false, "serve the Automation API under /rest only, as vCenter 6.7")
	fs.IntVar(&opts.vmAttributes, "vm-attributes", 0, "custom attributes with a value per VM (vpx only)")
	fs.DurationVar(&opts.idleTimeout, "idle-timeout", 0, "expire sessions idle for this long (0: never)")
	fs.DurationVar(&opts.delay, "delay", 0, "delay added to every SOAP call, to emulate network latency (e.g. 2ms)")
	fs.StringVar(&opts.dir, "dir", "", "state directory for the certificates and datastore files (default: a new directory under $TMPDIR, else /dev/shm, removed at exit)")
	fs.StringVar(&opts.readyFile, "ready-file", "", "write a JSON description of the running server to this file once it listens")
	fs.BoolVar(&opts.plainHTTP, "http", false, "serve plain HTTP instead of HTTPS (debugging only)")
	fs.BoolVar(&opts.guestInfo, "guest-info", false, "give every other VM a guest IP address and host name (inventory tests)")
	fs.BoolVar(&opts.libvirt, "libvirt", false, "serialize answers as a real server does (xsi:type on array items), so libvirt's ESX driver can connect")
	fs.IntVar(&opts.vmFolders, "vm-folders", 0, "spread each datacenter's VMs over this many VM folders (vpx only; inventory tests)")

	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() != 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}

	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	switch opts.mode {
	case "vpx":
	case "esx":
		for _, name := range []string{"hosts", "clusters", "cluster-hosts", "vm-folders"} {
			if set[name] {
				return nil, fmt.Errorf("-%s applies to -mode vpx only: a standalone ESX model has exactly one host", name)
			}
		}
	default:
		return nil, fmt.Errorf("-mode must be vpx or esx, not %q", opts.mode)
	}
	for name, value := range map[string]int{"vms": opts.vms, "hosts": opts.hosts, "clusters": opts.clusters,
		"cluster-hosts": opts.clusterHosts, "datastores": opts.datastores} {
		if value < 0 {
			return nil, fmt.Errorf("-%s must not be negative", name)
		}
	}
	if opts.datastores == 0 && opts.vms > 0 {
		return nil, errors.New("-datastores 0 leaves the VMs without a datastore; use -vms 0 as well")
	}
	if (opts.username == "") != (opts.password == "") {
		return nil, errors.New("-username and -password must be given together")
	}
	if opts.idleTimeout < 0 || opts.delay < 0 {
		return nil, errors.New("-idle-timeout and -delay must not be negative")
	}
	if opts.delay > 0 && opts.delay < time.Millisecond {
		return nil, errors.New("-delay has a resolution of 1ms")
	}
	if err := checkLoopback(opts.listen); err != nil {
		return nil, err
	}
	return opts, nil
}

// checkLoopback refuses other addresses: the control endpoints have no login.
func checkLoopback(listen string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("-listen %q: %v", listen, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-listen %q: only loopback addresses are allowed (the control endpoints need no login)", listen)
	}
	return nil
}

func newModel(opts *options) *simulator.Model {
	var model *simulator.Model
	if opts.mode == "esx" {
		model = simulator.ESX()
	} else {
		model = simulator.VPX()
		model.Host = opts.hosts
		model.Cluster = opts.clusters
		model.ClusterHost = opts.clusterHosts
	}
	model.Machine = opts.vms
	model.Datastore = opts.datastores
	model.Autostart = opts.autostart
	model.DelayConfig.Delay = int(opts.delay / time.Millisecond)
	return model
}

// defaultStateBase is where the default state directory goes: $TMPDIR if
// set, else /dev/shm when it is a writable directory, else the system default.
// Every VM has files, and on tmpfs 10,000 VMs start in about 6s, while on an
// ext4 /tmp start-up took 7s, then 12s, then 17s over three runs.
func defaultStateBase() string {
	if os.Getenv("TMPDIR") != "" {
		return ""
	}
	if info, err := os.Stat("/dev/shm"); err == nil && info.IsDir() && syscall.Access("/dev/shm", 2) == nil {
		return "/dev/shm"
	}
	return ""
}

// prepareDir returns the state directory and whether it was created here (and
// so is removed at exit).
func prepareDir(dir string) (string, bool, error) {
	if dir == "" {
		created, err := ioutil.TempDir(defaultStateBase(), "vcsim-virt-esx-")
		if err != nil {
			return "", false, err
		}
		return created, true, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", false, err
	}
	return abs, false, os.MkdirAll(abs, 0o700)
}

// createModel builds the inventory. Building allocates a lot that lives on, so
// the garbage collector runs less often meanwhile (unless GOGC is set): 10,000
// VMs start about 15% faster.
func createModel(model *simulator.Model) error {
	if os.Getenv("GOGC") != "" {
		return model.Create()
	}
	previous := debug.SetGCPercent(400)
	err := model.Create()
	debug.SetGCPercent(previous)
	// What building left behind goes back to the system now, not at the next
	// collection cycle.
	debug.FreeOSMemory()
	return err
}

func writeReadyFile(path string, info *readyInfo) error {
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	// Written under another name first so a reader never sees half a file.
	tmp := path + ".tmp"
	if err := ioutil.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// checkPortFree fails early on a fixed port that is taken, rather than after
// building a large inventory; the real listener opens later.
func checkPortFree(listen string) error {
	if _, port, _ := net.SplitHostPort(listen); port == "0" {
		return nil
	}
	l, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %v", listen, err)
	}
	return l.Close()
}

func run(opts *options) error {
	started := time.Now()
	if err := checkPortFree(opts.listen); err != nil {
		return err
	}

	stateDir, removeStateDir, err := prepareDir(opts.dir)
	if err != nil {
		return fmt.Errorf("state directory: %v", err)
	}
	if removeStateDir {
		defer os.RemoveAll(stateDir)
	}

	// The simulator puts each datastore in a new directory under TMPDIR.
	datastoreRoot := filepath.Join(stateDir, "datastores")
	if err := os.MkdirAll(datastoreRoot, 0o700); err != nil {
		return fmt.Errorf("datastore directory: %v", err)
	}
	if err := os.Setenv("TMPDIR", datastoreRoot); err != nil {
		return err
	}

	simulator.SessionIdleTimeout = opts.idleTimeout
	pagingDelay = opts.delay

	model := newModel(opts)
	if err := createModel(model); err != nil {
		return fmt.Errorf("creating the %s model: %v", opts.mode, err)
	}
	defer model.Remove()

	if opts.guestInfo {
		applyGuestInfo()
	}
	if opts.vmFolders > 0 {
		if err := spreadIntoFolders(opts.vmFolders); err != nil {
			return fmt.Errorf("-vm-folders: %v", err)
		}
	}
	ownControllers()
	installTaskEntityFix()
	installNetworkSystems()
	installStorage()
	installAutoStartManagers(opts.mode == "esx")
	installHostCapabilities()
	writeAllVMX()
	taggingEnabled, taggingUser, taggingPassword = opts.mode == "vpx", opts.username, opts.password
	if opts.mode == "vpx" {
		seedVMMetadata(opts.vmTags, opts.vmAttributes)
	}
	questions := newQuestionBook()
	counter := newRequestCounter()

	var caFile string
	if !opts.plainHTTP {
		tlsConfig, ca, err := newTLSConfig(stateDir)
		if err != nil {
			return fmt.Errorf("certificate: %v", err)
		}
		model.Service.TLS = tlsConfig
		caFile = ca
	}

	listen := &url.URL{Host: opts.listen}
	if opts.username != "" {
		listen.User = url.UserPassword(opts.username, opts.password)
	}
	model.Service.Listen = listen

	server, err := startServer(model.Service)
	if err != nil {
		return err
	}
	// The server is up but its address is not published yet, so no request can
	// have reached the stock handler: swapping it for the wrapped one is safe.
	server.Config.Handler = newFrontHandler(server.Config.Handler, questions, counter)
	if opts.libvirt {
		installVmfsExtents()
		server.Config.Handler = newLibvirtHandler(server.Config.Handler)
	}

	addr := server.Listener.Addr().(*net.TCPAddr)
	sdkURL := *server.URL
	sdkURL.User = nil
	controlURL := sdkURL
	controlURL.Path = controlPath

	info := &readyInfo{
		URL:        sdkURL.String(),
		Host:       addr.IP.String(),
		Port:       addr.Port,
		CAFile:     caFile,
		Mode:       opts.mode,
		ControlURL: controlURL.String(),
		PID:        os.Getpid(),
		VMs:        len(simulator.Map.All("VirtualMachine")),
		StartupSec: time.Since(started).Seconds(),
	}
	if opts.readyFile != "" {
		if err := writeReadyFile(opts.readyFile, info); err != nil {
			server.Close()
			return fmt.Errorf("ready file: %v", err)
		}
		defer os.Remove(opts.readyFile)
	}
	fmt.Println(info.URL)
	log.Printf("vcsim-virt-esx: %s mode, %d VMs, listening on %s (control %s), started in %.2fs",
		opts.mode, info.VMs, info.URL, info.ControlURL, info.StartupSec)

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	received := <-signals
	log.Printf("vcsim-virt-esx: %s received, shutting down", received)

	shutdown(server)
	return nil
}

// startServer turns the stock server's panic on a busy address into an error.
func startServer(service *simulator.Service) (server *simulator.Server, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("cannot listen on %s: %v", service.Listen.Host, p)
		}
	}()
	return service.NewServer(), nil
}

// shutdown waits for requests in progress, but not for ever: a
// WaitForUpdatesEx without maxWaitSeconds would block it.
func shutdown(server *simulator.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() {
		server.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		log.Printf("vcsim-virt-esx: requests still running after 5s, closing anyway")
		server.CloseClientConnections()
	}
}

func main() {
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	opts, err := parseOptions(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "vcsim-virt-esx: %v\n", err)
		os.Exit(2)
	}
	if err := run(opts); err != nil {
		fmt.Fprintf(os.Stderr, "vcsim-virt-esx: %v\n", err)
		os.Exit(1)
	}
}
