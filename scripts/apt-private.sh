# shellcheck shell=bash
# A private apt configuration under one directory, so that fetching from
# Debian testing/sid leaves the machine's sources and lists alone.
#   apt_private DIR SOURCES_LINE...: writes DIR/sources.list and sets the
#   array apt_opts for apt-get/apt-cache.
apt_private() {
	local dir=$1
	shift
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
	printf '%s\n' "$@" >"$dir/sources.list"
	# shellcheck disable=SC2034 # read by the caller
	apt_opts=(-o "Dir::Etc::SourceList=$dir/sources.list"
		-o "Dir::Etc::SourceParts=/dev/null"
		-o "Dir::State::Lists=$dir/lists"
		-o "Dir::State::Status=/dev/null"
		-o "Dir::Cache=$dir/cache"
		-o "Acquire::Languages=none"
		-o "APT::Sandbox::User=root")
}
