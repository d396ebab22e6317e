//! The static (musl) build's allocator: mimalloc for small blocks, musl's own for large ones.
//!
//! musl's malloc serialises threads, so `http` mode, which allocates on every worker thread at once,
//! ran at about half the glibc build's rate with it. mimalloc gives that back, but it grows a large
//! block by copying it and keeps freed memory for a while: alone, it took the 50 MiB import's peak
//! from 126 to 225 MiB and the 50,000-record lookup's from 52 to 83 MiB. Blocks of `LARGE` and up go
//! to musl instead, which maps each on its own, grows it in place (mremap) and unmaps it when freed,
//! as glibc does. BENCHMARKS.md, "The static binary", has the numbers.

use std::alloc::{GlobalAlloc, Layout, System};

use mimalloc::MiMalloc;

/// Well above what a step allocates in the hot path, well below the buffers that carry a whole page,
/// message or file.
const LARGE: usize = 1 << 20;

pub struct Split;

// SAFETY: each block is served and released by one allocator, chosen by its size, which Rust passes
// unchanged to dealloc and realloc; a realloc across the line moves the block from one to the other.
unsafe impl GlobalAlloc for Split {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() >= LARGE {
            System.alloc(layout)
        } else {
            MiMalloc.alloc(layout)
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() >= LARGE {
            System.alloc_zeroed(layout)
        } else {
            MiMalloc.alloc_zeroed(layout)
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.size() >= LARGE {
            System.dealloc(ptr, layout)
        } else {
            MiMalloc.dealloc(ptr, layout)
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match (layout.size() >= LARGE, new_size >= LARGE) {
            (true, true) => System.realloc(ptr, layout, new_size),
            (false, false) => MiMalloc.realloc(ptr, layout, new_size),
            _ => {
                // The caller guarantees new_size, rounded up to the alignment, does not overflow.
                let moved = Layout::from_size_align_unchecked(new_size, layout.align());
                let new = self.alloc(moved);
                if !new.is_null() {
                    std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                    self.dealloc(ptr, layout);
                }
                new
            }
        }
    }
}
