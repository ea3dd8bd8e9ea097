"""Speed and quality benchmarks of vagan_tf, one script a question, each run from the
repository root as ``python -m benchmarks.<script>`` (``--help`` lists its options).

Quality: ``toy_quality``, ``entropy_lag`` (annealed GANs on 2-D mixtures), ``digits_annealing``
(MNIST digits), ``ugan_quality``, ``ugan_mode_trajectory`` (U-GAN against its baselines),
``blr_table``, ``blr_shape``, ``blr_summary`` (Bayesian logistic regression against NUTS),
``sql_swimmer``, ``sql_study`` (soft Q-learning). Speed: ``first_step``, ``fit_overhead``,
``image_speed``, ``ugan_speed``, ``sql_cost``. ``common`` holds what they share: the
``--threads`` option and reading and writing the stamped results files of
``benchmarks/results/``; ``pages`` renders ``docs/results/`` from them.
Tests import the scripts' functions as ``from benchmarks import toy_quality``.
"""
