# Reference for tests/test_value.py::test_firth_converges_when_one_event_is_separated
# Run: Rscript tests/reference/firth_one_event.R  (prints -29.95828613 8.62691623)
# Firth's penalised likelihood for one event among 30 accounts, the index
# separating it from the 29 non-events: maximised directly by R's optim (BFGS
# with the modified score as gradient). brglm2's brglmFit does not converge on
# these data (its estimate runs off to 1e16), so the reference is the optimum of
# the criterion itself: l(b) + 1/2 log|X'WX| (Firth 1993).
x <- c(rep(3.0, 29), 3.6); y <- c(rep(0, 29), 1); X <- cbind(1, x)
crit <- function(b) { p <- plogis(drop(X %*% b)); W <- p * (1 - p)
  sum(y * log(p) + (1 - y) * log(1 - p)) + 0.5 * log(det(t(X) %*% (X * W))) }
score <- function(b) { p <- plogis(drop(X %*% b)); W <- p * (1 - p)
  info <- t(X) %*% (X * W); h <- rowSums((X %*% solve(info)) * X) * W
  drop(t(X) %*% (y - p + h * (0.5 - p))) }
o <- optim(c(-20, 6), function(b) -crit(b), function(b) -score(b), method = "BFGS",
           control = list(reltol = 1e-16, maxit = 100000))
cat(sprintf("%.8f", o$par), "\n"); cat(sprintf("%.3e", score(o$par)), "\n")
