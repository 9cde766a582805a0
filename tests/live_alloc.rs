//! The audio callback's body ([`callcoach::live::hand_over`] sending into the bounded
//! crossbeam queue) allocates nothing, whether the queue has room or is full (blocks are
//! then dropped and counted). Own test binary: it installs a counting global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Instant;

use callcoach::live::{Block, FlowCounters, f32_to_i16, hand_over};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn callback_hand_over_never_allocates() {
    let (tx, rx) = crossbeam_channel::bounded::<Block>(8);
    let counters = FlowCounters::new();
    // 10 ms of 48 kHz stereo float, as a device callback delivers it.
    let input: Vec<f32> = (0..960).map(|i| ((i as f32) * 0.01).sin() * 0.5).collect();
    let big: Vec<i16> = (0..4800).map(|i| (i % 200) as i16).collect();
    let before = allocations();
    for _ in 0..20 {
        // Room in the queue, then full: both paths.
        hand_over(&input, 2, 0, Instant::now(), &counters, f32_to_i16, |b| {
            tx.try_send(b).is_ok()
        });
        hand_over(
            &big,
            2,
            1,
            Instant::now(),
            &counters,
            |s| s,
            |b| tx.try_send(b).is_ok(),
        );
    }
    let during = allocations() - before;
    assert_eq!(during, 0, "the callback path allocated {during} times");
    // What arrived is right, and what did not fit was counted.
    let first = rx.try_recv().expect("a block");
    assert_eq!(usize::from(first.len), 960);
    assert_eq!(first.data()[1], f32_to_i16(input[1]));
    let received = 1 + rx.try_iter().count() as u64;
    assert_eq!(received, 8, "the queue holds 8 blocks");
    // 20 × (1 block + 5 blocks of 960 samples) offered, 8 taken.
    assert_eq!(counters.dropped(), 20 * 6 - 8);
    assert_eq!(
        counters
            .callbacks
            .load(std::sync::atomic::Ordering::Relaxed),
        40
    );
}
