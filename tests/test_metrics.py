from __future__ import annotations

import math

import pytest

from index.quality.evaluation import ranking_metrics


def test_ranking_metrics_by_hand() -> None:
    metrics = ranking_metrics([1, 2, 6, None])
    assert metrics["recall@1"] == pytest.approx(0.25)
    assert metrics["recall@5"] == pytest.approx(0.5)
    assert metrics["recall@10"] == pytest.approx(0.75)
    assert metrics["mrr@10"] == pytest.approx((1 + 1 / 2 + 1 / 6) / 4)
    assert metrics["ndcg@10"] == pytest.approx((1 + 1 / math.log2(3) + 1 / math.log2(7)) / 4)


def test_no_questions_no_division_by_zero() -> None:
    assert ranking_metrics([])["recall@1"] == 0
