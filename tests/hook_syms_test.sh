#!/bin/sh
# hook_syms_test.sh SYMS HOOK_C ARCHIVE: the renames a linked subject gets
# (hook.syms) are the calls hook.c hooks in a loaded one, each renamed to a
# wrapper the harness defines.
syms=$1 src=$2 lib=$3
status=0
names=$(sed -n 's/.*HOOK_FN("\([^"]*\)".*/\1/p' "$src" | sort)
renamed=$(awk '{print $1}' "$syms" | sort)
if [ "$names" != "$renamed" ]; then
	echo "hook.c hooks: $names" | tr '\n' ' '
	echo
	echo "hook.syms renames: $renamed" | tr '\n' ' '
	echo
	status=1
fi
defined=$(nm --defined-only "$lib" | awk '$2 == "T" {print $3}')
while read -r from to; do
	if ! printf '%s\n' "$defined" | grep -qx "$to"; then
		echo "hook.syms: $from -> $to, which $lib does not define"
		status=1
	fi
done <"$syms"
[ $status = 0 ] && echo "hook.syms: $(wc -l <"$syms") renames, each defined"
exit $status
