# registry.mk: the CNCF distribution registry that the integration tests
# (internal/testregistry) and `make demo` run on loopback. Included from the
# Makefile.

REGISTRY_VERSION := v3.1.2
REGISTRY_MODULE := github.com/distribution/distribution/v3/cmd/registry

# bin/registry is rebuilt only when it is missing or reports another version
# (`registry --version` prints "... v3.1.2+unknown" for a `go install` build).
# The recipe always runs but leaves the file untouched when it is current, so
# targets that depend on bin/registry are not remade for nothing.
bin/registry: registry-version-check
	@if [ -x $@ ] && $@ --version 2>/dev/null | grep -qE ' $(subst .,\.,$(REGISTRY_VERSION))([+ ]|$$)'; then \
		:; \
	else \
		echo "go install $(REGISTRY_MODULE)@$(REGISTRY_VERSION)"; \
		rm -f $@ && GOBIN=$(CURDIR)/bin go install $(REGISTRY_MODULE)@$(REGISTRY_VERSION); \
	fi

.PHONY: registry-version-check
registry-version-check:
