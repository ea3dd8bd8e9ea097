"""Sample-quality metrics against a known target (NumPy; for evaluation, not training).

* mode metrics for Gaussian mixtures (Metz et al. 2017; Srivastava et al. 2017;
  Lin et al. 2018): a sample is *high quality* if it lies within ``n_std`` standard
  deviations of its nearest centre; a mode is *covered* if it holds at least
  ``min_share`` of its fair share n / K of high-quality samples; the *reverse KL*
  is KL(p_hist || uniform) of the high-quality samples' mode histogram.
* histogram symmetric KL: KL(P || Q) + KL(Q || P) of 2-D histograms with a
  small pseudo-count, on a common grid.
* energy distance  E(X, Y) = 2 E||X - Y|| - E||X - X'|| - E||Y - Y'|| (Szekely),
  the V-statistic, which is >= 0 and is 0 iff the two empirical laws coincide.
* Gaussian-kernel MMD^2 (Gretton et al. 2012), the unbiased U-statistic, with an
  explicit bandwidth or the median heuristic.
* marginal moments against reference draws: per coordinate, the mean error in units of
  the reference's std and the std ratio (the shape of a posterior against NUTS's).
* image metrics from the features / logits of a fixed network (``extractors``):
  Frechet distance (FID, Heusel et al. 2017), kernel inception distance (KID,
  Binkowski et al. 2018) and Inception Score (Salimans et al. 2016).
"""
import gin
import numpy as np


BLOCK_BYTES = 32 * 2**20  # the O(N^2) metrics hold at most this much of a distance matrix


def _pairwise_distances(a, b):
    sq = (np.sum(a**2, 1)[:, None] + np.sum(b**2, 1)[None, :] - 2.0 * a @ b.T)
    return np.sqrt(np.maximum(sq, 0.0))


def _distance_blocks(a, b, upper=False):
    """Yields (row offset, ||a_i - b_j|| for a block of rows i), ``BLOCK_BYTES`` at a time.

    ``upper`` (for b = a): only the pairs j > i, each block as a flat array."""
    rows = max(1, BLOCK_BYTES // (8 * max(1, len(b))))
    for start in range(0, len(a), rows):
        if not upper:
            yield start, _pairwise_distances(a[start:start + rows], b)
            continue
        block = _pairwise_distances(a[start:start + rows], b[start:])
        yield start, block[np.triu_indices(len(block), k=1, m=block.shape[1])]


def _pairwise_sum(a, b, function=None, skip_diagonal=False):
    """sum_{i, j} f(||a_i - b_j||) (f the identity when None) over blocks of rows;
    ``skip_diagonal`` (for b = a) leaves out the terms i = j."""
    total = 0.0
    for start, distances in _distance_blocks(a, b):
        values = distances if function is None else function(distances)
        total += values.sum()
        if skip_diagonal:
            total -= np.trace(values, offset=start)
    return total


def mode_statistics(samples, centers, std, n_std=3.0, min_share=0.1):
    """Returns {'modes_covered', 'high_quality', 'reverse_kl', 'mode_counts'} for a Gaussian mixture.

    ``high_quality`` is the fraction of samples within ``n_std * std`` of their
    nearest centre; ``mode_counts[k]`` the high-quality samples at centre k; a mode
    is covered when ``mode_counts[k] >= min_share * n / K``. ``reverse_kl`` is
    ``mode_histogram_reverse_kl(mode_counts)``.

    Args:
        samples: points [n, d].
        centers: the mixture's centres [K, d].
        std: the components' standard deviation.
        n_std: the radius of a high-quality sample, in units of ``std``.
        min_share: the share of the fair n / K a covered mode holds.

    Returns:
        {'modes_covered': int, 'high_quality': float, 'reverse_kl': float,
        'mode_counts': list of K ints}.
    """
    samples = np.asarray(samples, np.float64)
    centers = np.asarray(centers, np.float64)
    distances = _pairwise_distances(samples, centers)
    nearest = np.argmin(distances, axis=1)
    good = distances[np.arange(len(samples)), nearest] <= n_std * std
    counts = np.bincount(nearest[good], minlength=len(centers))
    threshold = min_share * len(samples) / len(centers)
    return {
        "modes_covered": int(np.sum(counts >= threshold)),
        "high_quality": float(np.mean(good)),
        "reverse_kl": mode_histogram_reverse_kl(counts),
        "mode_counts": counts.tolist(),
    }


def mode_histogram_reverse_kl(mode_counts):
    """Reverse KL of a mode histogram from the uniform over its K modes (VEEGAN, PacGAN):

        KL(p_hat || u) = sum_k p_hat_k log(p_hat_k / (1 / K)) = log K - H(p_hat),
        p_hat_k = c_k / sum_j c_j,   0 log 0 = 0,

    where c_k counts the high-quality samples whose nearest centre is k: the "reverse
    KL" that PacGAN (Lin et al. 2018) reports on the 2-D ring and grid after VEEGAN
    (Srivastava et al. 2017). PacGAN's released code (pacgan/extensions.py, MetricLogger)
    builds this histogram the same way (nearest centre, within 3 std) and logs its
    entropy H(p_hat), whence KL(p_hat || u) = log K - H(p_hat); its mode count is the modes
    with any high-quality sample, where ``mode_statistics`` asks for ``min_share`` of the
    fair share. The value is 0 for a uniform histogram, log(K / m) when the samples split
    evenly over m of the K modes (log 4 for 2 of 8), and finite when modes are missed
    (the generated histogram comes first). With no high-quality sample it is undefined:
    NaN.

    Args:
        mode_counts: the counts c_k [K].

    Returns:
        KL(p_hat || u), a Python float (NaN when every count is 0).
    """
    counts = np.asarray(mode_counts, np.float64)
    total = counts.sum()
    if total == 0:
        return float("nan")
    p = counts[counts > 0] / total
    return float(np.sum(p * np.log(p * len(counts))))


def histogram_symmetric_kl(samples, reference, bins=50, limits=None, pseudo_count=1e-3):
    """KL(P||Q) + KL(Q||P) between 2-D histograms of ``samples`` (Q) and ``reference`` (P).

    Args:
        samples: points [n, 2].
        reference: points [m, 2] of the reference law.
        bins: bins per axis.
        limits: [(low, high), (low, high)], the grid's range per axis; None: the range of
            ``reference`` widened by a tenth on each side.
        pseudo_count: added to every bin before normalising, so that no bin is empty.

    Returns:
        The symmetric KL, a Python float.
    """
    samples = np.asarray(samples, np.float64)
    reference = np.asarray(reference, np.float64)
    if limits is None:
        lo, hi = reference.min(axis=0), reference.max(axis=0)
        pad = 0.1 * (hi - lo)
        limits = list(zip(lo - pad, hi + pad))
    h_p, _, _ = np.histogram2d(reference[:, 0], reference[:, 1], bins=bins, range=limits)
    h_q, _, _ = np.histogram2d(samples[:, 0], samples[:, 1], bins=bins, range=limits)
    p = (h_p + pseudo_count) / np.sum(h_p + pseudo_count)
    q = (h_q + pseudo_count) / np.sum(h_q + pseudo_count)
    return float(np.sum(p * np.log(p / q)) + np.sum(q * np.log(q / p)))


def energy_distance(x, y):
    """2 mean||x_i - y_j|| - mean||x_i - x_j|| - mean||y_i - y_j|| (V-statistic).

    Args:
        x: points [m, d].
        y: points [n, d].

    Returns:
        The energy distance, a Python float.
    """
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    return float(2.0 * _pairwise_sum(x, y) / (len(x) * len(y))
                 - _pairwise_sum(x, x) / len(x)**2 - _pairwise_sum(y, y) / len(y)**2)


def median_bandwidth(*samples):
    """Median heuristic: the median of ||z_i - z_j|| over the pairs i < j of the pooled samples.

    Args:
        *samples: point sets [n_i, d], pooled.

    Returns:
        The median distance, a Python float (NaN for fewer than 2 pooled points).
    """
    pooled = np.concatenate([np.asarray(sample, np.float64) for sample in samples])
    pairs = len(pooled) * (len(pooled) - 1) // 2
    if pairs == 0:
        return float("nan")
    middle = pair_distance_order_statistics(pooled, [(pairs - 1) // 2, pairs // 2])
    return float(np.mean(middle))  # the middle one, or the mean of the middle two


def pair_distance_order_statistics(points, ranks, max_held=2**22, bins=4096):
    """The ``ranks``-th smallest (from 0) of the ||z_i - z_j||, i < j, of ``points`` [n, d],
    without holding the n (n - 1) / 2 distances: passes over blocks of them count the
    distances in the bins of a range holding the ranks, narrowing it until at most
    ``max_held`` distances fall in it; those are then sorted.

    Args:
        points: points z [n, d] (float64), n >= 2.
        ranks: the ranks wanted, ints in [0, n (n - 1) / 2).
        max_held: the most distances held at once for the final sort.
        bins: bins of each counting pass.

    Returns:
        The distances of those ranks, a list in the order of ``ranks``.
    """
    low, high = np.inf, -np.inf
    for _, block in _distance_blocks(points, points, upper=True):
        if block.size:
            low, high = min(low, block.min()), max(high, block.max())
    high = np.nextafter(high, np.inf)  # the range [low, high) holds every distance
    below = 0  # distances less than low
    for _ in range(16):
        edges = np.linspace(low, high, bins + 1)
        counts = np.zeros(bins, np.int64)
        for _, block in _distance_blocks(points, points, upper=True):
            inside = block[(block >= low) & (block < high)]
            counts += np.bincount(_bin_index(inside, edges), minlength=bins)
        if counts.sum() <= max_held:
            break
        cumulative = below + np.cumsum(counts)
        first = int(np.searchsorted(cumulative, min(ranks), side="right"))
        last = int(np.searchsorted(cumulative, max(ranks), side="right"))
        if edges[first] == low and edges[last + 1] >= high:
            break  # the range cannot be narrowed (equal distances): hold it
        below += int(counts[:first].sum())
        low, high = edges[first], edges[last + 1]
    held = np.sort(np.concatenate(
        [block[(block >= low) & (block < high)]
         for _, block in _distance_blocks(points, points, upper=True)]))
    return [held[rank - below] for rank in ranks]


def _bin_index(values, edges):
    """k with edges[k] <= v < edges[k + 1] for each v in [edges[0], edges[-1]): the arithmetic
    guess of equal-width bins, corrected by one where rounding put v across an edge."""
    bins = len(edges) - 1
    width = (edges[-1] - edges[0]) / bins
    index = np.clip(((values - edges[0]) / width).astype(np.int64), 0, bins - 1)
    index -= (values < edges[index]) & (index > 0)
    index += (values >= edges[index + 1]) & (index < bins - 1)
    return index


def gaussian_mmd2(x, y, bandwidth=None):
    """Unbiased MMD^2 of x [m, d] and y [n, d] with k(a, b) = exp(-||a - b||^2 / (2 h^2)):

    MMD^2_u = sum_{i != j} k(x_i, x_j) / (m (m - 1)) + sum_{i != j} k(y_i, y_j) / (n (n - 1))
              - 2 sum_{i, j} k(x_i, y_j) / (m n),

    the U-statistic of Gretton et al. (2012): unbiased for MMD^2, so it scatters around 0
    (and can be slightly negative) when the two laws agree. h is ``bandwidth``, or the
    median heuristic on the pooled samples when None; fix h to compare several sample
    sets against one reference.

    Args:
        x: points [m, d], m >= 2.
        y: points [n, d], n >= 2.
        bandwidth: h; None: ``median_bandwidth(x, y)``.

    Returns:
        MMD^2_u, a Python float.

    Raises:
        ValueError: a set with fewer than 2 points, or h <= 0.
    """
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    if len(x) < 2 or len(y) < 2:
        raise ValueError(f"gaussian_mmd2 needs at least 2 points per set; "
                         f"got {len(x)} and {len(y)}")
    bandwidth = median_bandwidth(x, y) if bandwidth is None else float(bandwidth)
    if bandwidth <= 0:
        raise ValueError(f"gaussian_mmd2 bandwidth must be positive, got {bandwidth}")

    def kernel(distances):
        return np.exp(-distances ** 2 / (2.0 * bandwidth**2))

    def within(a):
        return _pairwise_sum(a, a, kernel, skip_diagonal=True) / (len(a) * (len(a) - 1))

    return float(within(x) + within(y) - 2.0 * _pairwise_sum(x, y, kernel) / (len(x) * len(y)))


def marginal_moment_errors(samples, reference):
    """Per-coordinate (mean_error [d], std_ratio [d]) of samples [n, d] against reference [m, d]:

        mean_error_j = |mean_j(samples) - mean_j(reference)| / std_j(reference),
        std_ratio_j = std_j(samples) / std_j(reference),

    with the sample means and the unbiased standard deviations (ddof = 1): how far each
    marginal is off in units of the reference's spread, and whether it is too narrow (< 1)
    or too wide (> 1). Non-finite samples give non-finite values, not an error.

    Args:
        samples: points [n, d], n >= 2.
        reference: points [m, d], m >= 2.

    Returns:
        (mean_error float64 [d], std_ratio float64 [d]).

    Raises:
        ValueError: the shapes differ or are not 2-D, a set has fewer than 2 rows, or a
            coordinate of ``reference`` has a standard deviation that is 0 or not finite.
    """
    samples, reference = _marginal_sets("marginal_moment_errors", samples, reference)
    reference_std = _reference_spread("marginal_moment_errors", "std",
                                      reference.std(axis=0, ddof=1))
    mean_error = np.abs(samples.mean(axis=0) - reference.mean(axis=0)) / reference_std
    return mean_error, samples.std(axis=0, ddof=1) / reference_std


def marginal_iqr_ratios(samples, reference):
    """Per-coordinate iqr_j(samples) / iqr_j(reference) [d] of samples [n, d], reference [m, d].

    iqr_j = q_0.75 - q_0.25 of coordinate j (linear interpolation between order statistics).
    A spread ratio that heavy tails do not dominate: where a marginal's variance is infinite
    or rests on rare excursions (the BLR posterior's w on separable data, docs/design.md
    §6.3), the ratio of standard deviations is noise and this one is not.

    Args:
        samples: points [n, d], n >= 2.
        reference: points [m, d], m >= 2.

    Returns:
        The ratios, float64 [d].

    Raises:
        ValueError: the shapes differ or are not 2-D, a set has fewer than 2 rows, or a
            coordinate of ``reference`` has an interquartile range that is 0 or not finite.
    """
    samples, reference = _marginal_sets("marginal_iqr_ratios", samples, reference)
    reference_iqr = _reference_spread("marginal_iqr_ratios", "interquartile range",
                                      _interquartile_range(reference))
    return _interquartile_range(samples) / reference_iqr


def _interquartile_range(x):
    return np.subtract(*np.percentile(x, [75, 25], axis=0))


def _marginal_sets(name, samples, reference):
    """samples [n, d] and reference [m, d] as float64, n, m >= 2; else a ValueError."""
    samples = np.asarray(samples, np.float64)
    reference = np.asarray(reference, np.float64)
    if samples.ndim != 2 or reference.ndim != 2 or samples.shape[1] != reference.shape[1]:
        raise ValueError(f"{name} needs samples [n, d] and reference [m, d]; "
                         f"got shapes {samples.shape} and {reference.shape}")
    if len(samples) < 2 or len(reference) < 2:
        raise ValueError(f"{name} needs at least 2 rows per set; "
                         f"got {len(samples)} and {len(reference)}")
    return samples, reference


def _reference_spread(name, what, spread):
    """The reference's per-coordinate spread, refused unless finite and positive."""
    usable = np.isfinite(spread) & (spread > 0)
    if not np.all(usable):
        raise ValueError(f"{name} needs a finite, positive reference {what}; "
                         f"coordinates {np.flatnonzero(~usable).tolist()} have none")
    return spread


def gaussian_statistics(features):
    """(mean [F], covariance [F, F]) of features [n, F] (unbiased covariance).

    Args:
        features: features [n, F].

    Returns:
        (mean float64 [F], covariance float64 [F, F]).
    """
    features = np.asarray(features, np.float64)
    return features.mean(axis=0), np.cov(features, rowvar=False)


def _psd_sqrt(matrix):
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2.0)
    return (vectors * np.sqrt(np.maximum(values, 0.0))) @ vectors.T


def frechet_distance(mean1, cov1, mean2, cov2):
    """||m1 - m2||^2 + Tr(C1 + C2 - 2 (C1 C2)^(1/2)), the squared W2 distance of two Gaussians.

    Tr((C1 C2)^(1/2)) is computed as Tr((C1^(1/2) C2 C1^(1/2))^(1/2)), a symmetric PSD
    matrix with the same eigenvalues, so no complex matrix square root is needed.

    Args:
        mean1: m1 [F].
        cov1: C1 [F, F].
        mean2: m2 [F].
        cov2: C2 [F, F].

    Returns:
        The squared distance, a Python float.
    """
    mean1, mean2 = np.asarray(mean1, np.float64), np.asarray(mean2, np.float64)
    cov1, cov2 = np.atleast_2d(cov1).astype(np.float64), np.atleast_2d(cov2).astype(np.float64)
    root1 = _psd_sqrt(cov1)
    cross = np.linalg.eigvalsh(root1 @ cov2 @ root1)
    trace_sqrt = np.sum(np.sqrt(np.maximum(cross, 0.0)))
    return float(np.sum((mean1 - mean2) ** 2) + np.trace(cov1) + np.trace(cov2) - 2.0 * trace_sqrt)


def kernel_distance(features1, features2, num_subsets=100, subset_size=1000, seed=0):
    """KID: the unbiased MMD^2 with k(x, y) = (x.y / F + 1)^3, averaged over random subsets.

    Each subset draws min(subset_size, n1, n2) rows of each set without replacement;
    MMD^2_u = mean_{i!=j} k(x_i, x_j) + mean_{i!=j} k(y_i, y_j) - 2 mean_{i,j} k(x_i, y_j).
    Returns (mean, standard deviation) over the subsets.

    Args:
        features1: features x [n1, F].
        features2: features y [n2, F].
        num_subsets: the number of subsets.
        subset_size: rows per subset and set (fewer if a set is smaller).
        seed: seed of the subsets' draws.

    Returns:
        (mean, standard deviation) of MMD^2_u over the subsets, Python floats.
    """
    x = np.asarray(features1, np.float64)
    y = np.asarray(features2, np.float64)
    m = min(subset_size, len(x), len(y))
    dim = x.shape[1]
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(num_subsets):
        a = x[rng.choice(len(x), m, replace=False)]
        b = y[rng.choice(len(y), m, replace=False)]
        k_aa = (a @ a.T / dim + 1.0) ** 3
        k_bb = (b @ b.T / dim + 1.0) ** 3
        k_ab = (a @ b.T / dim + 1.0) ** 3
        within = (k_aa.sum() - np.trace(k_aa) + k_bb.sum() - np.trace(k_bb)) / (m * (m - 1))
        values.append(within - 2.0 * k_ab.mean())
    return float(np.mean(values)), float(np.std(values))


def inception_score(logits, num_splits=10):
    """exp(E_x KL(p(y|x) || p(y))) with p(y) the split's mean prediction; (mean, std) over splits.

    Args:
        logits: the classifier's logits (or log probabilities) [n, K].
        num_splits: the number of splits of the n rows.

    Returns:
        (mean, standard deviation) of the score over the splits, Python floats.
    """
    logits = np.asarray(logits, np.float64)
    log_p = logits - logits.max(axis=1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    scores = []
    for part in np.array_split(log_p, num_splits):
        log_marginal = np.log(np.exp(part).mean(axis=0))
        kl = np.sum(np.exp(part) * (part - log_marginal), axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


@gin.configurable
def mixture_report(samples, mixture=gin.REQUIRED, reference_size=None, seed=(1, 2)):
    """All toy metrics of ``samples`` against a ``targets.GaussianMixture``.

    ``mode_statistics`` (modes covered, high-quality fraction, mode-histogram reverse KL,
    mode counts), the symmetric KL of 50 x 50 histograms and the energy distance, both
    against ``reference_size`` (default: as many as ``samples``) exact samples.

    Args:
        samples: points [n, 2].
        mixture: the ``targets.GaussianMixture`` the samples are of.
        reference_size: exact samples to compare with; None: n.
        seed: the stateless seed of the exact samples.

    Returns:
        ``mode_statistics``' dict with 'symmetric_kl' and 'energy_distance' added.
    """
    samples = np.asarray(samples)
    reference = mixture.sample(reference_size or len(samples), seed=seed).numpy()
    report = mode_statistics(samples, mixture.centers, mixture.std)
    limits = [(lo - 1.0, hi + 1.0) for lo, hi in zip(mixture.centers.min(0), mixture.centers.max(0))]
    report["symmetric_kl"] = histogram_symmetric_kl(samples, reference, limits=limits)
    report["energy_distance"] = energy_distance(samples, reference)
    return report


@gin.configurable
def sample_report(samples, target=gin.REQUIRED, reference_size=None, seed=(1, 2)):
    """Energy distance and Gaussian MMD^2 (median bandwidth) of samples to exact target draws.

    Args:
        samples: points [n, d].
        target: a target with ``sample(n, seed=)``.
        reference_size: exact draws to compare with; None: n.
        seed: the stateless seed of the exact draws.

    Returns:
        {'energy_distance': float, 'mmd2': float}.
    """
    samples = np.asarray(samples, np.float64)
    reference = np.asarray(target.sample(reference_size or len(samples), seed=seed), np.float64)
    return {"energy_distance": energy_distance(samples, reference),
            "mmd2": gaussian_mmd2(samples, reference)}


@gin.configurable
def mode_mass_report(samples, mixture=gin.REQUIRED, reference_size=None, seed=(1, 2)):
    """``sample_report`` of a ``targets.GaussianMixture`` in any dimension, with the mass the
    samples put on each mode (``nearest_mode_masses``), the smallest of them, the largest
    distance of a mode's mass from its weight (``mode_mass_error`` = max_k |m_k - w_k|), and
    each mode's fit (``mode_fits``): ``mode_fit_kl`` and the ``mode_fit_masses`` those fits
    call for (None for a mode with too few samples to fit).

    Args:
        samples: points [n, d].
        mixture: the ``targets.GaussianMixture`` the samples are of.
        reference_size: exact draws to compare with; None: n.
        seed: the stateless seed of the exact draws.

    Returns:
        ``sample_report``'s dict with 'mode_masses' ([K]), 'smallest_mode_mass',
        'mode_weights' ([K]), 'mode_mass_error', 'mode_fit_kl' ([K]) and 'mode_fit_masses'
        ([K]) added.
    """
    masses = nearest_mode_masses(samples, mixture.centers)
    fit_kl, fit_masses = mode_fits(samples, mixture)
    return {**sample_report(samples, mixture, reference_size, seed),
            "mode_masses": masses.tolist(), "smallest_mode_mass": float(masses.min()),
            "mode_weights": mixture.weights.tolist(),
            "mode_mass_error": float(np.max(np.abs(masses - mixture.weights))),
            "mode_fit_kl": _floats_or_none(fit_kl),
            "mode_fit_masses": _floats_or_none(fit_masses)}


def _floats_or_none(values):
    """A list of floats with None (JSON's null) for nan."""
    return [None if np.isnan(v) else float(v) for v in values]


def mode_fits(samples, mixture):
    """(KL_k, pi_k) of ``samples`` [n, d] split by nearest centre of a mixture with weights w_k.

    KL_k is ``gaussian_fit_kl`` of the samples nearest c_k to the component N(c_k, s^2 I)
    (nan for a mode with at most d + 1 samples). For q = sum_k pi_k q_k and p = sum_k w_k p_k
    with disjoint modes, KL(q || p) = sum_k pi_k [log(pi_k / w_k) + KL(q_k || p_k)], which is
    least at pi_k = w_k exp(-KL_k) / sum_j w_j exp(-KL_j): the masses a reverse-KL fit
    settles on given how well it fits each mode. Masses that follow pi_k are limited by the
    mode fits; masses away from them by the optimisation (mass that cannot cross the valley).

    Args:
        samples: points [n, d].
        mixture: a ``targets.GaussianMixture`` (``centers`` [K, d], ``weights`` [K], ``std``).

    Returns:
        (KL float64 [K], pi float64 [K]), nan for the modes too sparse to fit (pi all nan
        when every mode is).
    """
    samples = np.asarray(samples, np.float64)
    centers = np.asarray(mixture.centers, np.float64)
    nearest = nearest_centres(samples, centers)
    kl = np.array([gaussian_fit_kl(samples[nearest == k], center, mixture.std)
                   if np.sum(nearest == k) > samples.shape[1] + 1 else np.nan
                   for k, center in enumerate(centers)])
    if np.isnan(kl).all():
        return kl, kl.copy()
    weights = mixture.weights * np.exp(-(kl - np.nanmin(kl)))
    return kl, weights / np.nansum(weights)


def gaussian_fit_kl(samples, mean, std):
    """KL(N(m, S) || N(mean, std^2 I)) of the Gaussian fit m, S to ``samples`` [n, d], n > d + 1.

        KL = [tr S / s^2 + ||m - mean||^2 / s^2 - d + d log s^2 - log det S] / 2,

    with the fit's biases under Gaussian draws removed: ||m - mean||^2 less tr S / n, and
    log det S less sum_{i=1..d} psi((n - i) / 2) - d log((n - 1) / 2), its mean offset from
    log det Sigma ((n - 1) S is Wishart). For samples that are not Gaussian it is a lower
    bound on KL(q || N(mean, std^2 I)), which depends on q through its first two moments and
    its entropy, and the Gaussian has the largest entropy for given moments.

    Args:
        samples: points [n, d], n > d + 1.
        mean: the reference mean [d].
        std: s, the reference's standard deviation per coordinate.

    Returns:
        The bias-corrected KL, a Python float.

    Raises:
        ValueError: n <= d + 1.
    """
    samples = np.asarray(samples, np.float64)
    n, d = samples.shape
    if n <= d + 1:
        raise ValueError(f"gaussian_fit_kl needs more than d + 1 = {d + 1} samples, got {n}")
    m = samples.mean(axis=0)
    cov = np.atleast_2d(np.cov(samples, rowvar=False))
    trace = np.trace(cov)
    offset = np.sum((m - np.asarray(mean, np.float64)) ** 2) - trace / n
    log_det = np.linalg.slogdet(cov)[1]
    log_det -= sum(_digamma((n - i) / 2.0) for i in range(1, d + 1)) - d * np.log((n - 1) / 2.0)
    var = std**2
    return 0.5 * float((trace + offset) / var - d + d * np.log(var) - log_det)


def _digamma(x):
    """psi(x) for x > 0: the recurrence psi(x) = psi(x + 1) - 1 / x up to x >= 10, then the
    asymptotic series log x - 1/(2x) - 1/(12x^2) + 1/(120x^4) - 1/(252x^6) (error < 1e-10)."""
    shift = 0.0
    while x < 10.0:
        shift -= 1.0 / x
        x += 1.0
    inv2 = 1.0 / (x * x)
    return shift + np.log(x) - 0.5 / x - inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 / 252))


@gin.configurable
def predictive_report(samples, target=gin.REQUIRED):
    """The posterior predictive on held-out rows, from parameter draws: ``target.test_metrics``.

    For ``targets.BayesianLogisticRegression``: test accuracy and mean test log-likelihood of
    p(y = 1 | x) = mean_s sigmoid(x . w_s + b_s).

    Args:
        samples: parameter draws [S, d].
        target: a target with ``test_metrics``.

    Returns:
        ``target.test_metrics(samples)``.
    """
    return target.test_metrics(samples)


def nearest_mode_masses(samples, centers):
    """The share of ``samples`` [n, d] whose nearest centre is each of ``centers`` [K, d]: [K].

    The mass a sampler puts on each mode of a mixture, whatever the dimension (a radius
    of 3 std, as in ``mode_statistics``, holds no samples of a Gaussian in d >> 9 dimensions).

    Args:
        samples: points [n, d].
        centers: the centres [K, d].

    Returns:
        The shares, float64 [K], summing to 1.
    """
    nearest = nearest_centres(samples, centers)
    return np.bincount(nearest, minlength=len(centers)) / len(nearest)


def nearest_centres(samples, centers):
    """The index of the centre [K, d] nearest each of ``samples`` [n, d]: [n].

    Args:
        samples: points [n, d].
        centers: the centres [K, d].

    Returns:
        The indices, int [n].
    """
    return np.argmin(_pairwise_distances(np.asarray(samples, np.float64),
                                         np.asarray(centers, np.float64)), axis=1)

