# Referral developer tasks. Run from the repository root.
#
#   make run     local PostGIS cluster (unless ConnectionStrings__Referral is set) + API with
#                migrations and seeding, on $ASPNETCORE_URLS (default http://127.0.0.1:5080), in
#                $ASPNETCORE_ENVIRONMENT (default Development); extra `dotnet run` arguments in RUN_ARGS
#   make test    local PostGIS cluster (unless ConnectionStrings__ReferralTest is set) + dotnet test;
#                extra `dotnet test` arguments go in TEST_ARGS, e.g.
#                make test TEST_ARGS='-c Release --filter "FullyQualifiedName~Search"'
#   make db      start the local cluster only        make stop   stop it
#   make standby start a streaming standby of it (scripts/standby.sh; read replica on port 55433)
#   make psql    psql on the local DB (PSQL_ARGS)    make ci     what CI runs (.ci/run)
#   make build   dotnet build                        make format dotnet format

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

DOTNET   ?= dotnet
SOLUTION ?= Referral.sln
API_PROJECT ?= src/Referral.Api
LOCALDB  := bash scripts/localdb.sh

# Extra arguments for `dotnet test` (make test) and for `dotnet run` (make run, e.g. RUN_ARGS="--no-build -c Release").
# make run starts the server without the launch profile (src/Referral.Api/Properties/launchSettings.json, for IDEs), so
# ASPNETCORE_URLS and ASPNETCORE_ENVIRONMENT from the environment are honoured.
TEST_ARGS  ?=
RUN_ARGS   ?=
PSQL_ARGS  ?=
BUILD_ARGS ?=

.PHONY: help run test stop build format db psql ci standby

help:
	@sed -n '3,13s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))

# On the local cluster the app serves requests as the DML-only role and migrates/seeds as the schema owner
# (README, "Database roles"); a ConnectionStrings__Referral of your own is used as given.
run:
	@if [ -z "$${ConnectionStrings__Referral:-}" ]; then $(LOCALDB) start; fi
	@if [ -z "$${ConnectionStrings__Referral:-}" ]; then \
	  export ConnectionStrings__Referral="$$($(LOCALDB) connstr app)"; \
	  export ConnectionStrings__ReferralMigrations="$$($(LOCALDB) connstr owner)"; \
	fi; \
	Seeding__Enabled="$${Seeding__Enabled:-true}" Database__Migrate="$${Database__Migrate:-true}" \
	ASPNETCORE_URLS="$${ASPNETCORE_URLS:-http://127.0.0.1:5080}" \
	ASPNETCORE_ENVIRONMENT="$${ASPNETCORE_ENVIRONMENT:-Development}" \
	$(DOTNET) run --project $(API_PROJECT) --no-launch-profile $(RUN_ARGS)

test:
	@if [ -z "$${ConnectionStrings__ReferralTest:-}" ]; then $(LOCALDB) start; fi
	@bash scripts/test-tools.sh
	$(DOTNET) test $(SOLUTION) $(TEST_ARGS)

stop:
	@$(LOCALDB) stop

db:
	@$(LOCALDB) start

standby:
	@bash scripts/standby.sh start

psql:
	@$(LOCALDB) psql $(PSQL_ARGS)

build:
	$(DOTNET) build $(SOLUTION) $(BUILD_ARGS)

format:
	$(DOTNET) format $(SOLUTION)

ci:
	bash .ci/run
