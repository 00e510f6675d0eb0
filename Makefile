# gitshift — see README.md. Every target works on a fresh clone with Go and git.
GO ?= go
BIN := bin/gitshift

.PHONY: build test test-short demo bench fuzz vet fmt clean image-check

build:
	$(GO) build -o $(BIN) ./cmd/gitshift

# The test command (README, .ci/run): vet, unit and integration tests that need only Go and git.
# With GITSHIFT_CI=1 (.ci/run) a test that finds git missing fails instead of skipping.
test: vet
	$(GO) test -count=1 ./...

test-short:
	$(GO) test -short ./...

vet:
	@out=$$(gofmt -l cmd internal lab 2>/dev/null); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

fmt:
	gofmt -w cmd internal lab

# Fuzz every fuzz target for FUZZTIME each (issue 2 asks for 5 minutes without a panic).
FUZZTIME ?= 5m
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzSplitManifests$$' -fuzztime $(FUZZTIME) ./internal/source/
	$(GO) test -run '^$$' -fuzz '^FuzzGlobMatch$$' -fuzztime $(FUZZTIME) ./internal/source/
	$(GO) test -run '^$$' -fuzz '^FuzzIsManifestName$$' -fuzztime $(FUZZTIME) ./internal/source/
	$(GO) test -run '^$$' -fuzz '^FuzzSplitYAMLMatchesAPIMachinery$$' -fuzztime $(FUZZTIME) ./internal/source/
	$(GO) test -run '^$$' -fuzz '^FuzzFastFileMatchesChunks$$' -fuzztime $(FUZZTIME) ./internal/source/
	$(GO) test -run '^$$' -fuzz '^FuzzQuickMatchesExact$$' -fuzztime $(FUZZTIME) ./internal/source/
	$(GO) test -run '^$$' -fuzz '^FuzzSetVirtualServiceWeights$$' -fuzztime $(FUZZTIME) ./internal/edit/
	$(GO) test -run '^$$' -fuzz '^FuzzParseAndEdit$$' -fuzztime $(FUZZTIME) ./internal/edit/
	$(GO) test -run '^$$' -fuzz '^FuzzRouteEdits$$' -fuzztime $(FUZZTIME) ./internal/edit/
	$(GO) test -run '^$$' -fuzz '^FuzzParseAndEditRoute$$' -fuzztime $(FUZZTIME) ./internal/edit/

# The image's build line (deploy/Dockerfile) gives a static binary that runs.
# A full CGO_ENABLED=0 -trimpath compile, so not part of `make test`.
image-check:
	GITSHIFT_IMAGE_CHECK=1 $(GO) test -count=1 -run TestDockerfileBuildIsStatic -timeout 30m ./deploy/

clean:
	rm -rf bin

# --- The local lab (internal/lab, lab/tools/*). Tools are built once and cached in
# $GITSHIFT_LAB_CACHE (default ~/.cache/gitshift/lab); the lab runs in .lab/.
.PHONY: lab-tools lab-tools-core lab-up lab-down lab-status bench-lab

# Build (or find in the cache) every lab tool without starting anything.
lab-tools: build
	$(BIN) lab provision

# Only what a lab without istiod needs (make e2e builds istiod meanwhile).
lab-tools-core: build
	$(BIN) lab provision --istiod=false

lab-up: build
	$(BIN) lab up

lab-down: build
	$(BIN) lab down

lab-status: build
	$(BIN) lab status

# Push→live per traffic step (gitshift lab bench --help): starts a lab of its
# own in a temporary directory, runs BENCH_STEPS step commits per variant
# (Argo CD's default sync vs ApplyOutOfSyncOnly=true, gitshift's watches vs a
# plain 1 s poll, and steps without the refresh), prints p50/p90 side by
# side with ratios, and stops the lab again.
BENCH_STEPS ?= 8
BENCH_ARGS ?=
bench-lab: build
	@dir=$$(mktemp -d -t gitshift-bench.XXXXXX); \
	trap '$(BIN) lab down --dir '"$$dir"' >/dev/null 2>&1 || true' EXIT; \
	$(BIN) lab up --dir "$$dir" && $(BIN) lab bench --dir "$$dir" --steps $(BENCH_STEPS) $(BENCH_ARGS)

# The README's main command: start the lab with the controller (or reuse a
# running lab) and tell the story (gitshift lab demo, see README.md for its
# time): Argo CD Synced/Healthy at the Git SHA, the live 90/10 VirtualService and
# the split measured in Prometheus; a healthy v3 promoted 5 → 25 → 50 → 100 by
# commits and a faulty v3 rolled back by a commit, both by `gitshift rollout`;
# then the same by `gitshift controller` after a commit that changes v3's image;
# a summary. Exits non-zero when the story does not go as expected. Runs again
# against the same lab (it resets the weights by commit first).
# --istiod: Istio's control plane validates the commits and programs the
# simulator's routes over xDS (docs/istiod.md).
DEMO_LAB_FLAGS ?= --controller --istiod
demo: build
	@$(BIN) lab status >/dev/null 2>&1 || $(BIN) lab up $(DEMO_LAB_FLAGS)
	$(BIN) lab demo

# End-to-end tests against the real lab (.ci/run runs them after `make test`).
# Each suite starts its own lab on free ports and stops it again (a lab start
# holds a machine-wide lock until its components listen, so labs started
# at once never share a port). In two lanes side by side; each suite's output
# is shown when it ends and kept in E2E_OUTPUT/<suite>.log:
#   istiod's build (nice; E2E_OUTPUT/istiod-build.log), then the rollout
#   suite, the longest;
#   the suites without istiod, then the verify suite (on a cold machine
#   istiod is built by then; otherwise its lab waits for the build's lock).
#   e2e-lab:     the reference story (no recurse → Synced without the canary;
#                recurse → 90/10 live and measured), busy port, down leaves nothing
#   e2e-dashboard: the dashboard's pages in headless Chromium over fixed data (no lab);
#                the rollout suite loads them again against the lab during its healthy rollout
#   e2e-controller-api: the controller's manager and `gitshift controller` against a
#                real etcd + kube-apiserver as a user bound to exactly the chart's RBAC
#   e2e-controller: issue 12's acceptance list in one lab with two controller
#                replicas (lab up --controller): a release promoted by commits and
#                shown in kubectl and Argo CD health, a CLI start refused (exit 3), a
#                faulty release rolled back with notifications, the leader SIGKILLed
#                at three points of one rollout
#   e2e-verify:  issue 5's acceptance list for `gitshift verify`, and issue 18's
#                on a lab with istiod (routes from xDS, its webhook, a refused commit)
#   e2e-rollout: healthy canary promoted, faulty one rolled back, SIGKILL resume
#                (on istiod's routing)
#   e2e-render:  gitshift render == what Argo CD 2.14.21 applied (Jsonnet,
#                Kustomize settings, Helm parameters, multi-source $ref); make
#                e2e runs it on the verify suite's lab, e2e-render on its own
# lab-browser installs the headless Chromium (Debian package) both browser tests drive.
# Their screenshots are test artifacts, kept under E2E_OUTPUT.
# GITSHIFT_CI=1: a test whose lab (or git) is missing fails instead of skipping.
E2E_TIMEOUT ?= 80m
E2E_GO_TEST = GITSHIFT_CI=1 $(GO) test -tags e2e -count=1 -p 1 -timeout $(E2E_TIMEOUT) -v
E2E_OUTPUT ?= $(CURDIR)/e2e-output
E2E_ARTIFACTS = -artifacts -outputdir $(E2E_OUTPUT)
E2E_LANE_ISTIOD = lab-tools-istiod e2e-rollout
E2E_LANE_OTHER = e2e-controller e2e-lab e2e-dashboard e2e-controller-api e2e-verify e2e-controller-istiod
.PHONY: e2e e2e-lane-istiod e2e-lane-other e2e-lab e2e-verify e2e-rollout e2e-render e2e-controller-api e2e-controller e2e-controller-istiod e2e-dashboard lab-browser lab-tools-istiod bench-controller-lab
e2e: lab-tools-core lab-browser
	@rm -f $(E2E_OUTPUT)/*.failed
	@$(MAKE) --no-print-directory -j2 e2e-lane-istiod e2e-lane-other || { $(E2E_FAILURES); exit 1; }

# E2E_FAILURES repeats, after both lanes ended, what each failed suite's
# failed tests said: CI shows the tail of a long log, and the other lane's
# output would otherwise bury it.
define E2E_FAILURES
for f in $(E2E_OUTPUT)/*.failed; do [ -e "$$f" ] || continue; \
	s=$$(basename "$$f" .failed); echo "e2e: $$s failed; what its failed tests said:"; \
	scripts/test-failures.sh $(E2E_OUTPUT)/$$s.log | grep . || tail -n 40 $(E2E_OUTPUT)/$$s.log; \
done
endef

# run_lane runs the suites in $(1) one after the other, says when each
# starts, shows its output when it ends, and stops at the first failure
# (marking the suite failed for e2e's summary).
define run_lane
@mkdir -p $(E2E_OUTPUT); for t in $(1); do \
	echo "e2e: $$t started at $$(date +%T)"; \
	$(MAKE) --no-print-directory -j1 $$t >$(E2E_OUTPUT)/$$t.log 2>&1; rc=$$?; \
	cat $(E2E_OUTPUT)/$$t.log; echo "e2e: $$t ended at $$(date +%T), exit $$rc"; \
	[ $$rc -eq 0 ] || { touch $(E2E_OUTPUT)/$$t.failed; exit $$rc; }; \
done
endef
e2e-lane-istiod: build
	$(call run_lane,$(E2E_LANE_ISTIOD))
e2e-lane-other: build
	$(call run_lane,$(E2E_LANE_OTHER))

# istiod alone (lab provision --core=false), quietly: make e2e builds it
# beside the suites that do not need it.
lab-tools-istiod: build
	@mkdir -p $(E2E_OUTPUT)
	@echo "building (or finding) istiod; log $(E2E_OUTPUT)/istiod-build.log"
	@nice -n 10 $(BIN) lab provision --core=false >>$(E2E_OUTPUT)/istiod-build.log 2>&1 || \
		{ echo "building istiod failed:"; tail -n 40 $(E2E_OUTPUT)/istiod-build.log; exit 1; }

lab-browser: build
	$(BIN) lab provision --core=false --istiod=false --browser >/dev/null

e2e-dashboard: build
	@mkdir -p $(E2E_OUTPUT)
	$(E2E_GO_TEST) $(E2E_ARTIFACTS) -run 'BrowserE2E' ./internal/dashboard/

e2e-lab: build
	$(E2E_GO_TEST) -run 'E2E' ./internal/lab/

e2e-verify: build lab-tools-istiod
	@dir=$$(mktemp -d)/lab; \
	trap '$(BIN) lab down --dir '"$$dir"' >/dev/null 2>&1 || true' EXIT; \
	$(BIN) lab up --istiod --dir "$$dir" && \
	GITSHIFT_LAB_DIR="$$dir" $(E2E_GO_TEST) -run 'VerifyE2E' ./internal/cli/verify/ && \
	GITSHIFT_LAB_DIR="$$dir" $(E2E_GO_TEST) -run 'E2E' ./internal/check/e2e/

# The rollout suite's lab runs istiod (E2E_ROLLOUT_LAB_FLAGS): its rollouts
# and rollbacks are judged on routing istiod programmed.
E2E_ROLLOUT_LAB_FLAGS ?= --istiod
e2e-rollout: build lab-tools-istiod
	@mkdir -p $(E2E_OUTPUT)
	GITSHIFT_E2E_LAB_FLAGS="$(E2E_ROLLOUT_LAB_FLAGS)" $(E2E_GO_TEST) $(E2E_ARTIFACTS) -run 'E2E' ./internal/rollout/e2e/

e2e-render: build
	$(E2E_GO_TEST) -run 'E2E' ./internal/check/e2e/

e2e-controller-api: build
	GITSHIFT_E2E=1 GITSHIFT_CI=1 $(GO) test -count=1 -timeout 20m -v -run 'TestAgainstAPIServer|TestCommandSmoke' ./internal/controller/

e2e-controller: build
	$(E2E_GO_TEST) -run 'TestControllerE2E' ./internal/controller/e2e/

# One release through the controller on istiod's routing: each step must be
# reported applied by istiod (ControlPlaneApplied Events). Last in its lane,
# when the other lane has built istiod.
e2e-controller-istiod: build lab-tools-istiod
	$(E2E_GO_TEST) -run 'TestControllerIstiodE2E' ./internal/controller/e2e/

# A benchmark, not part of e2e: BENCH_POLICIES generated canaries in the lab,
# one commit releases them all, one controller promotes every rollout; it
# reports the controller's peak RSS and CPU time (docs/controller.md, "Scale").
BENCH_POLICIES ?= 20
bench-controller-lab: lab-tools
	GITSHIFT_BENCH_CONTROLLER_LAB=1 GITSHIFT_BENCH_POLICIES=$(BENCH_POLICIES) $(E2E_GO_TEST) -run 'TestScaleControllerLab' ./internal/controller/e2e/
