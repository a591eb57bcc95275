/**
 * The test-split record of one run, the same for every model and baseline: accuracy with
 * its Wilson interval, confusion matrix, per-class and macro F1, one-vs-rest AUC,
 * calibration, and the predictions themselves (for McNemar's test between runs).
 */
import { encodePredictions, type RunEvaluation } from '../../schema/results.ts';
import { confusionMatrix, expectedCalibrationError, macroAuc, macroF1, perClassAuc, perClassMetrics, wilsonInterval } from './metrics.ts';

export function evaluateRun(opts: {
  labels: Uint8Array;
  /** n × classes scores summing to 1 per row. */
  probs: Float32Array;
  predicted: Uint8Array;
  classes: string[];
  /** Mean cross-entropy, or null for methods whose scores are not probabilities (votes). */
  loss: number | null;
}): RunEvaluation {
  const { labels, probs, predicted, classes } = opts;
  const c = classes.length;
  const confusion = confusionMatrix(labels, predicted, c);
  const perClass = perClassMetrics(confusion, classes);
  const correct = confusion.reduce((s, row, i) => s + row[i]!, 0);
  const auc = perClassAuc(labels, probs, c);
  return {
    testImages: labels.length,
    accuracy: correct / labels.length,
    accuracyCI95: wilsonInterval(correct, labels.length),
    loss: opts.loss,
    confusion,
    perClass,
    macroF1: macroF1(perClass),
    macroAuc: macroAuc(auc),
    perClassAuc: auc,
    ece: expectedCalibrationError(labels, probs, c),
    predictions: encodePredictions(c, predicted),
  };
}
