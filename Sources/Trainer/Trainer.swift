// Trainer: ScaleLab's CPU training engine.
//
//   Kernels/   forward/backward pairs (llm.c style) with naive Double references
//   Models/    the transformer and LSTM language models over one flat parameter buffer
//   Optim/     AdamW, the learning-rate schedule, the default hyperparameter rule
//   Data/      byte corpora, the train/validation split, the synthetic Markov source
//   Training/  the training loop, evaluation, checkpoints and the run record
import CBLAS
