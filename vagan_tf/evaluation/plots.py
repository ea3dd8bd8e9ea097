"""PNG figures: 2-D scatter plots, image grids, and 2-D densities with sample clouds."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)
import numpy as np  # noqa: E402


def image_grid(images, columns=None, padding=1):
    """Images [n, h, w, c] in [-1, 1] -> one uint8 picture [H, W, c] of a near-square grid.

    Cells are separated by ``padding`` white pixels; empty cells are white.

    Args:
        images: images [n, h, w, c] in [-1, 1] (values outside are clipped).
        columns: cells per row; None: ceil(sqrt(n)).
        padding: white pixels between and around the cells.

    Returns:
        The grid, uint8 [rows (h + padding) + padding, columns (w + padding) + padding, c].

    Raises:
        ValueError: ``images`` is not 4-D.
    """
    images = np.asarray(images, np.float32)
    if images.ndim != 4:
        raise ValueError(f"image_grid expects images (n, h, w, c); got {images.shape}")
    n, height, width, channels = images.shape
    columns = columns or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / columns))
    grid = np.ones((rows * (height + padding) + padding, columns * (width + padding) + padding,
                    channels), np.float32)
    for i, image in enumerate(np.clip((images + 1.0) / 2.0, 0.0, 1.0)):
        top = padding + (i // columns) * (height + padding)
        left = padding + (i % columns) * (width + padding)
        grid[top:top + height, left:left + width] = image
    return np.round(grid * 255).astype(np.uint8)


def save_samples_png(samples, path, title=None, max_images=64):
    """A grid of the first ``max_images`` images [n, h, w, c], or a scatter plot of points
    [n, d] (d >= 2; for d > 2 their first two coordinates).

    Args:
        samples: images [n, h, w, c] in [-1, 1], or points [n, d].
        path: the PNG file to write.
        title: the scatter plot's title; None: none (images have no title).
        max_images: the most images in the grid.

    Raises:
        ValueError: ``samples`` is neither images nor points with d >= 2.
    """
    samples = np.asarray(samples)
    if samples.ndim == 4:
        grid = image_grid(samples[:max_images])
        plt.imsave(path, grid.squeeze(-1) if grid.shape[-1] == 1 else grid, cmap="gray")
        return
    if samples.ndim != 2 or samples.shape[1] < 2:
        raise ValueError(f"can plot points (n, d >= 2) or images (n, h, w, c); got {samples.shape}")
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.scatter(samples[:, 0], samples[:, 1], s=2, c="tab:blue", alpha=0.5)
    if samples.shape[1] == 2:
        ax.set_aspect("equal")
    else:
        ax.set_xlabel(f"coordinate 1 of {samples.shape[1]}")
        ax.set_ylabel(f"coordinate 2 of {samples.shape[1]}")
    if title:
        fig.suptitle(title)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def save_density_and_clouds_png(target, clouds, reference, path, max_points=3000):
    """A 2-D target's density u(x) (filled contours) and each sample cloud over its contours.

    ``clouds`` maps panel titles to samples [n, 2]; the frame is the 0.5-99.5 %
    range of ``reference`` (exact samples) plus 15 %, and each title says how much
    of its cloud falls outside the frame.

    Args:
        target: a 2-D target with ``log_prob`` and ``name``.
        clouds: ``{panel title: samples [n, 2]}``, one panel each.
        reference: exact samples [m, 2] of the target, which set the frame.
        path: the PNG file to write.
        max_points: the most points of each cloud drawn.
    """
    low, high = np.percentile(reference, 0.5, axis=0), np.percentile(reference, 99.5, axis=0)
    pad = 0.15 * (high - low)
    axes_values = [np.linspace(lo, hi, 200) for lo, hi in zip(low - pad, high + pad)]
    grid = np.stack(np.meshgrid(*axes_values, indexing="ij"), -1)
    density = np.exp(np.asarray(target.log_prob(grid.reshape(-1, 2).astype(np.float32))))
    density = density.reshape(grid.shape[:2])
    figure, panels = plt.subplots(1, len(clouds) + 1, figsize=(4 * (len(clouds) + 1), 4.4),
                                  sharex=True, sharey=True)
    panels[0].contourf(grid[..., 0], grid[..., 1], density, levels=12, cmap="viridis")
    panels[0].set_title(f"true density ({target.name})")
    for panel, (title, cloud) in zip(panels[1:], clouds.items()):
        cloud = np.asarray(cloud)
        panel.contour(grid[..., 0], grid[..., 1], density, levels=6, colors="0.75", linewidths=0.7)
        panel.scatter(*cloud[:max_points].T, s=1.5, alpha=0.5, color="tab:blue")
        inside = np.all((cloud >= low - pad) & (cloud <= high + pad), axis=1)
        panel.set_title(f"{title}\n{100 * (1 - inside.mean()):.1f} % outside the frame",
                        fontsize=10)
    for panel in panels:
        panel.set_xlim(low[0] - pad[0], high[0] + pad[0])
        panel.set_ylim(low[1] - pad[1], high[1] + pad[1])
        panel.set_xlabel("x1")
    panels[0].set_ylabel("x2")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
