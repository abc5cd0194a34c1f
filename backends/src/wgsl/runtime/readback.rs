//! Error scopes around device work, and reading mappable buffers back.
//!
//! wgpu reports validation and out-of-memory errors asynchronously, and an uncaptured one
//! panics; every call that can fail is made inside [`Scopes`], whose [`Scopes::pop`] turns what
//! was caught into [`WgslError::Device`]. [`read_back`] maps buffers after a submission and
//! always unmaps them again, so a failed run leaves the session usable.

use super::super::device::Gpu;
use super::super::error::{Result, WgslError};

/// Pushes an out-of-memory and a validation error scope; [`Scopes::pop`] turns what they caught
/// into [`WgslError::Device`].
pub(super) struct Scopes {
    oom: wgpu::ErrorScopeGuard,
    validation: wgpu::ErrorScopeGuard,
}

impl Scopes {
    pub(super) fn push(device: &wgpu::Device) -> Scopes {
        let oom = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
        Scopes { oom, validation }
    }

    pub(super) fn pop(self, what: &str) -> Result<()> {
        let validation = pollster::block_on(self.validation.pop());
        let oom = pollster::block_on(self.oom.pop());
        match validation.or(oom) {
            Some(e) => Err(WgslError::Device(format!("{what}: {e}"))),
            None => Ok(()),
        }
    }
}

/// Maps every buffer of `bufs` (after the submission that filled them), copies their contents
/// out and unmaps them, also when something fails.
pub(super) fn read_back(gpu: &Gpu, bufs: &[&wgpu::Buffer], name: &str) -> Result<Vec<Vec<u8>>> {
    let device_err = |e: String| WgslError::Device(format!("program `{name}`: reading back: {e}"));
    let scopes = Scopes::push(&gpu.device);
    let (tx, rx) = std::sync::mpsc::channel();
    for (k, b) in bufs.iter().enumerate() {
        let tx = tx.clone();
        b.map_async(wgpu::MapMode::Read, .., move |r| {
            // The receiver outlives the poll below; a send can only fail after it is gone.
            let _ = tx.send((k, r));
        });
    }
    drop(tx);
    let polled = gpu.device.poll(wgpu::PollType::wait_indefinitely());
    let mut mapped = vec![false; bufs.len()];
    let mut failure = polled.err().map(|e| e.to_string());
    // When the device is shared between threads, another thread's poll may have taken these
    // callbacks and not have called them yet when ours returns: after a successful poll, wait
    // for every one of them (each runs exactly once); after a failed one, take what is there.
    let mut pending = bufs.len();
    while pending > 0 {
        let next = if failure.is_none() {
            rx.recv_timeout(std::time::Duration::from_secs(60)).ok()
        } else {
            rx.try_recv().ok()
        };
        let Some((k, r)) = next else { break };
        pending -= 1;
        match r {
            Ok(()) => mapped[k] = true,
            Err(e) => failure = failure.or(Some(e.to_string())),
        }
    }
    let mut out = Vec::with_capacity(bufs.len());
    for (b, ok) in bufs.iter().zip(&mapped) {
        if *ok && failure.is_none() {
            match b.get_mapped_range(..) {
                Ok(view) => out.push(view.to_vec()),
                Err(e) => failure = Some(e.to_string()),
            }
        }
        b.unmap();
    }
    let popped = scopes.pop(&format!("program `{name}`: reading back"));
    if let Some(e) = failure {
        return Err(device_err(e));
    }
    if out.len() != bufs.len() {
        return Err(device_err("a staging buffer was never mapped".into()));
    }
    popped?;
    Ok(out)
}
