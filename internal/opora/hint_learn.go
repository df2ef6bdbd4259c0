package opora

// HintIntakeDays is when a case's indicator profile is taken for learned
// hints: its facts on the day it opened plus these days.
const HintIntakeDays = 45
