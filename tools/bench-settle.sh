# bench-settle.sh - sourced by the benchmarks: bench_settle waits until the
# file system no longer slows the creation of files.
#
# On ext4 without a journal (this VM's root), a file created within a
# minute of mass deletions gets its inode only after the allocator has
# skipped every recently deleted one, each looked up in the buffer cache
# (ext4's recently_deleted(); perf shows find_inode_bit and
# find_get_block_common).  make bench runs one benchmark after another,
# each removing its folders of thousands of files when it ends: a full
# build timed right after took 9.5-14 s instead of 3, a publication (some
# 30 new files) 108 ms instead of 93.  So the writes are synced and the
# timings wait that minute out; BENCH_SETTLE=0 skips the wait.
bench_settle() {
	settle=${BENCH_SETTLE:-65}
	sync
	if [ "$settle" -gt 0 ]; then
		echo "  (waiting ${settle}s for the file system to settle after earlier deletions)"
		sleep "$settle"
	fi
}
