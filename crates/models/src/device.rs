//! The compute device of this process: chosen once (the CLI's `--device` or `TERRADL_DEVICE`),
//! read everywhere a model is built, trained, loaded or run.
//!
//! `cpu` is burn's Flex backend with terradl's fused kernels (always compiled in); `wgpu`
//! (Vulkan, Metal, DX12 or WebGPU through wgpu, including Mesa's software Vulkan) and `cuda`
//! exist when the build has the cargo feature of the same name, and run burn's generic
//! operations. Model files hold plain `f32` records, so a model trained on one device loads
//! on any other.
//!
//! ```
//! use terradl_models::device::ComputeDevice;
//! assert_eq!("cpu".parse::<ComputeDevice>().unwrap(), ComputeDevice::Cpu);
//! assert_eq!("cuda:1".parse::<ComputeDevice>().unwrap(), ComputeDevice::Cuda(1));
//! assert!("tpu".parse::<ComputeDevice>().is_err());
//! assert!(ComputeDevice::compiled().contains(&"cpu"));
//! ```

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use burn::tensor::Device;

/// Environment variable read when no device is chosen on the command line.
pub const DEVICE_ENV: &str = "TERRADL_DEVICE";

/// A device a user can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComputeDevice {
    /// burn's Flex CPU backend with the fused kernels (the default).
    Cpu,
    /// burn's older ndarray CPU backend (builds with the `ndarray` feature; for comparisons).
    Ndarray,
    /// A wgpu adapter: `None` lets wgpu pick (a high-power GPU first, else an integrated or
    /// software one), `Some(n)` is the n-th discrete GPU.
    Wgpu(Option<usize>),
    /// The n-th CUDA device.
    Cuda(usize),
}

/// Why a device cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeviceError {
    /// Not a device name.
    #[error("unknown device `{0}`: expected cpu, wgpu, wgpu:N, cuda or cuda:N")]
    Unknown(String),
    /// A device whose backend this build does not include.
    #[error(
        "device `{device}` needs a terradl built with `--features {feature}` (this build has: {compiled}); \
         e.g. `cargo install --path crates/cli --features {feature}`"
    )]
    NotCompiled {
        /// The device asked for.
        device: String,
        /// The cargo feature that adds it.
        feature: &'static str,
        /// The devices this build has.
        compiled: String,
    },
    /// The backend is compiled in but no such device answers (no adapter, no driver).
    #[error("device `{device}` is not available: {reason}")]
    Unavailable {
        /// The device asked for.
        device: String,
        /// What the backend said.
        reason: String,
    },
    /// A second, different choice in one process.
    #[error("the compute device is already {current}; cannot switch to {asked} in the same process")]
    AlreadyChosen {
        /// The device in use.
        current: String,
        /// The device asked for.
        asked: String,
    },
}

impl FromStr for ComputeDevice {
    type Err = DeviceError;

    fn from_str(s: &str) -> Result<Self, DeviceError> {
        let lower = s.trim().to_ascii_lowercase();
        let (name, index) = match lower.split_once(':') {
            Some((n, i)) => {
                let i = i.parse::<usize>().map_err(|_| DeviceError::Unknown(s.to_string()))?;
                (n, Some(i))
            }
            None => (lower.as_str(), None),
        };
        match (name, index) {
            ("cpu" | "flex", None) => Ok(Self::Cpu),
            ("ndarray", None) => Ok(Self::Ndarray),
            ("wgpu" | "gpu", i) => Ok(Self::Wgpu(i)),
            ("cuda", i) => Ok(Self::Cuda(i.unwrap_or(0))),
            _ => Err(DeviceError::Unknown(s.to_string())),
        }
    }
}

impl fmt::Display for ComputeDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cpu => write!(f, "cpu"),
            Self::Ndarray => write!(f, "ndarray"),
            Self::Wgpu(None) => write!(f, "wgpu"),
            Self::Wgpu(Some(i)) => write!(f, "wgpu:{i}"),
            Self::Cuda(i) => write!(f, "cuda:{i}"),
        }
    }
}

impl ComputeDevice {
    /// Names of the device kinds this build can run.
    pub fn compiled() -> &'static [&'static str] {
        &[
            "cpu",
            #[cfg(feature = "ndarray")]
            "ndarray",
            #[cfg(feature = "wgpu")]
            "wgpu",
            #[cfg(feature = "cuda")]
            "cuda",
        ]
    }

    /// The burn device, or why this build cannot make it.
    pub fn to_device(self) -> Result<Device, DeviceError> {
        let missing = |feature: &'static str| DeviceError::NotCompiled {
            device: self.to_string(),
            feature,
            compiled: Self::compiled().join(", "),
        };
        match self {
            Self::Cpu => Ok(Device::flex()),
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)] // burn-ndarray: kept as a CPU backend to compare against
            Self::Ndarray => Ok(Device::ndarray()),
            #[cfg(not(feature = "ndarray"))]
            Self::Ndarray => Err(missing("ndarray")),
            #[cfg(feature = "wgpu")]
            Self::Wgpu(i) => Ok(Device::wgpu(match i {
                None => burn::tensor::DeviceKind::DefaultDevice,
                Some(i) => burn::tensor::DeviceKind::DiscreteGpu(i),
            })),
            #[cfg(not(feature = "wgpu"))]
            Self::Wgpu(_) => Err(missing("wgpu")),
            #[cfg(feature = "cuda")]
            Self::Cuda(i) => Ok(Device::cuda(i)),
            #[cfg(not(feature = "cuda"))]
            Self::Cuda(_) => Err(missing("cuda")),
        }
    }
}

static CHOSEN: OnceLock<(ComputeDevice, Device)> = OnceLock::new();

/// Makes `choice` the device of this process (idempotent for the same choice). A GPU device
/// is opened and runs one small reduction first, so a missing adapter or driver is an error
/// here rather than a panic in the middle of a run.
pub fn select(choice: ComputeDevice) -> Result<Device, DeviceError> {
    let device = choice.to_device()?;
    if !matches!(choice, ComputeDevice::Cpu) && CHOSEN.get().is_none() {
        probe(&device).map_err(|reason| DeviceError::Unavailable { device: choice.to_string(), reason })?;
    }
    let (current, dev) = CHOSEN.get_or_init(|| (choice, device));
    if *current != choice {
        return Err(DeviceError::AlreadyChosen { current: current.to_string(), asked: choice.to_string() });
    }
    Ok(dev.clone())
}

/// Whether `device` (or the device under its autodiff wrapper) is a GPU / cubecl device. Code
/// that has a composed CPU formulation (im2col + GEMM) takes burn's own kernels there instead:
/// they are what the GPU backends optimise, and im2col's buffers outgrow GPU binding limits.
pub fn is_accelerator(device: &Device) -> bool {
    #[cfg(any(feature = "wgpu", feature = "cuda"))]
    {
        matches!(device.clone().inner().as_dispatch(), burn::backend::DispatchDevice::Cube(_))
    }
    #[cfg(not(any(feature = "wgpu", feature = "cuda")))]
    {
        let _ = device;
        false
    }
}

/// Runs `sum([1, 2, 3])` on `device`, turning a backend panic into its message.
fn probe(device: &Device) -> Result<(), String> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let d = device.clone();
    let got = std::panic::catch_unwind(move || {
        burn::tensor::Tensor::<1>::from_floats([1.0, 2.0, 3.0], &d).sum().into_scalar::<f32>()
    });
    std::panic::set_hook(hook);
    match got {
        Ok(v) if v == 6.0 => Ok(()),
        Ok(v) => Err(format!("a test sum gave {v}, not 6")),
        Err(p) => Err(p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "the backend panicked".into())),
    }
}

/// The chosen device; without a choice, `TERRADL_DEVICE` if set and valid, else the CPU.
///
/// A `TERRADL_DEVICE` that names an unknown or absent backend falls back to the CPU here
/// (the CLI checks it first and refuses it with a clear error).
pub fn compute_device() -> Device {
    if let Some((_, d)) = CHOSEN.get() {
        return d.clone();
    }
    let from_env = std::env::var(DEVICE_ENV)
        .ok()
        .and_then(|s| s.parse::<ComputeDevice>().ok())
        .and_then(|c| c.to_device().ok());
    from_env.unwrap_or_else(Device::flex)
}

/// Which device [`compute_device`] answers with, for logs and reports.
pub fn compute_device_name() -> String {
    match CHOSEN.get() {
        Some((c, _)) => c.to_string(),
        None => std::env::var(DEVICE_ENV)
            .ok()
            .and_then(|s| s.parse::<ComputeDevice>().ok())
            .filter(|c| c.to_device().is_ok())
            .map_or_else(|| "cpu".to_string(), |c| c.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_print_back() {
        for (s, d) in [
            ("cpu", ComputeDevice::Cpu),
            ("FLEX", ComputeDevice::Cpu),
            ("wgpu", ComputeDevice::Wgpu(None)),
            ("wgpu:2", ComputeDevice::Wgpu(Some(2))),
            ("cuda", ComputeDevice::Cuda(0)),
            ("cuda:3", ComputeDevice::Cuda(3)),
        ] {
            assert_eq!(s.parse::<ComputeDevice>().unwrap(), d, "{s}");
        }
        assert_eq!(ComputeDevice::Wgpu(Some(2)).to_string(), "wgpu:2");
        for bad in ["", "tpu", "cuda:x", "cpu:1", "cuda:-1"] {
            assert!(matches!(bad.parse::<ComputeDevice>(), Err(DeviceError::Unknown(_))), "{bad}");
        }
    }

    #[test]
    fn cpu_is_always_there_and_missing_backends_name_their_feature() {
        assert!(ComputeDevice::Cpu.to_device().is_ok());
        #[cfg(not(feature = "cuda"))]
        {
            let e = ComputeDevice::Cuda(0).to_device().unwrap_err().to_string();
            assert!(e.contains("--features cuda") && e.contains("cpu"), "{e}");
        }
        #[cfg(not(feature = "wgpu"))]
        assert!(matches!(ComputeDevice::Wgpu(None).to_device(), Err(DeviceError::NotCompiled { feature: "wgpu", .. })));
    }
}
