# The C allocations a stream test makes while it counts operator new (docs/streaming.md):
# each allocator's calls between tests/streams' start_counting_allocations() and
# stop_counting_allocations(), and from a VoiceStream's creation to the count (the control).
#   XFV_XFAVOT=... XFV_HIFIGAN=... XFV_SPEECH=../shared/data/speech gdb -q -batch \
#     -x tools/debug/c_allocations.gdb --args build/xfv_stream_tests \
#     --gtest_filter='VoiceStreams.PushAndPull*'
set pagination off
set confirm off
set $c0 = 0
set $c1 = 0
set $c2 = 0
set $c3 = 0
set $c4 = 0
set $c5 = 0
set $c6 = 0
break xfv::VoiceStream::VoiceStream
run
delete 1
break malloc
commands
silent
set $c0 = $c0 + 1
continue
end
break calloc
commands
silent
set $c1 = $c1 + 1
continue
end
break realloc
commands
silent
set $c2 = $c2 + 1
continue
end
break posix_memalign
commands
silent
set $c3 = $c3 + 1
continue
end
break memalign
commands
silent
set $c4 = $c4 + 1
continue
end
break aligned_alloc
commands
silent
set $c5 = $c5 + 1
continue
end
break mmap
commands
silent
set $c6 = $c6 + 1
continue
end
break xfv::start_counting_allocations
commands
silent
printf "from creation to the count: malloc %d, calloc %d, realloc %d, posix_memalign %d, memalign %d, aligned_alloc %d, mmap %d\n", $c0, $c1, $c2, $c3, $c4, $c5, $c6
set $c0 = 0
set $c1 = 0
set $c2 = 0
set $c3 = 0
set $c4 = 0
set $c5 = 0
set $c6 = 0
continue
end
break xfv::stop_counting_allocations
commands
silent
printf "while counting: malloc %d, calloc %d, realloc %d, posix_memalign %d, memalign %d, aligned_alloc %d, mmap %d\n", $c0, $c1, $c2, $c3, $c4, $c5, $c6
set $c0 = 0
set $c1 = 0
set $c2 = 0
set $c3 = 0
set $c4 = 0
set $c5 = 0
set $c6 = 0
continue
end
continue
