#!/usr/bin/env Rscript
# Independent R reference for `b2bcx value` (docs/method.md, "Worth: the index against
# renewals").
#
# Rerun from the repository root:
#     Rscript tests/reference/value_reference.R              # recompute the pinned outputs
#     Rscript tests/reference/value_reference.R --generate   # also rewrite the decisions files
# Written and pinned with R 4.2.2 (2022-11-10 r83330), brglm2 0.9, pROC 1.18.0.
#
# Inputs (tests/data/reference/): the shrunken index of the accounts of wave2.csv and
# single_dm.csv as R computed it (r_accounts_wave2.csv, r_accounts_single_dm.csv, from
# v2_reference.R: metafor's REML Fay-Herriot), the revenue of each account from the
# exports, and the decisions files written here with a fixed seed:
#   renewals_wave2.csv  37 of wave2's 40 accounts and 3 accounts never heard; the
#                       event as CRM text (Churned / Not renewed / Renewed / Expanded),
#                       the revenue at stake ARR; planted: logit P(lost) falls by 0.9
#                       per 10 index points.
#   renewals_few.csv    the same accounts with only 6 losses (the guard: fewer than 10).
# The pinned copies are the reference; the computation reads them back from disk.
#
# Outputs (same folder), 17 significant digits; the column `case` says which fit:
#   firth (default, brglm2 AS_mean), ml (glm), current (the firth fit applied to the
#   accounts of single_dm.csv, revenue from that export):
#   r_value_summary.csv, r_value_model.csv, r_value_accounts.csv, r_value_bands.csv
#   (cases main and few), r_value_calibration.csv.
#
# Nothing here calls b2bcx. Readings of the method where it leaves a choice:
#  * Both fits are iterated to convergence (brglm2 epsilon 1e-12, glm epsilon 1e-14,
#    instead of glm's default 1e-8 on the deviance), so the pinned values are the
#    optimum, not an iterate.
#  * x = index_eb / 10. SEs are the square roots of vcov() (the inverse Fisher
#    information at the estimate); odds-ratio interval exp(b +- z SE), z = qnorm(.975);
#    p = 2 pnorm(-|b / SE|) (summary()'s Wald test).
#  * p_a interval: plogis(eta +- z sqrt(x' V x)).
#  * Revenue at risk and value of one point: delta method with the analytic gradient,
#    interval +- z SE, not clipped; value of a point shifts x by 1/10.
#  * AUC: pROC::ci.auc(roc(event, p, levels = c(0, 1), direction = "<"),
#    method = "delong") on the fitted p of the model's accounts (clipped to 0..1).
#  * Bands on index_eb: [0, 50), [50, 70), [70, inf); Wilson intervals from
#    prop.test(correct = FALSE)$conf.int (0 and 1 at the ends when no / all events).
#  * Calibration: accounts ordered by p then account id, rank i of k in fifth
#    floor(5 (i - 1) / k) + 1.

suppressPackageStartupMessages({
  library(brglm2)
  library(pROC)
})

Z <- qnorm(0.975)
DIR <- file.path("tests", "data", "reference")
if (!dir.exists(DIR)) stop("run from the repository root: Rscript tests/reference/value_reference.R")
out <- function(frame, name) {
  write.csv(format_numbers(frame), file.path(DIR, name), row.names = FALSE, na = "")
}
format_numbers <- function(frame) {
  for (col in names(frame)) {
    if (is.double(frame[[col]])) frame[[col]] <- ifelse(is.na(frame[[col]]), NA, sprintf("%.17g", frame[[col]]))
  }
  frame
}

index_of <- function(name) {
  accounts <- read.csv(file.path(DIR, name), colClasses = c(account = "character"))
  accounts[, c("account", "index_eb")]
}
revenue_of <- function(export) {
  rows <- read.csv(file.path(DIR, export), colClasses = c(AccountId = "character"))
  per_account <- tapply(rows$Revenue, rows$AccountId, function(v) v[1])
  data.frame(account = names(per_account), revenue = as.numeric(per_account))
}

if ("--generate" %in% commandArgs(trailingOnly = TRUE)) {
  set.seed(20261206)
  wave <- index_of("r_accounts_wave2.csv")
  decided <- wave[order(wave$account), ][-c(5, 18, 31), ]  # three heard accounts undecided
  eta <- -0.6 - 0.9 * (decided$index_eb - 67.5) / 10
  lost <- rbinom(nrow(decided), 1, plogis(eta))
  lost_text <- ifelse(lost == 1, sample(c("Churned", "Not renewed"), nrow(decided), TRUE),
                      sample(c("Renewed", "Expanded", " renewed"), nrow(decided), TRUE))
  arr <- round(exp(rnorm(nrow(decided), log(250000), 0.8)), -3)
  file <- data.frame(Account = c(decided$account, "ACC91", "ACC92", "ACC93"),
                     Outcome = c(lost_text, "Churned", "Renewed", "Renewed"),
                     ARR = c(arr, 120000, 80000, 430000),
                     DecisionDate = sprintf("2026-%02d-15", sample(10:12, nrow(decided) + 3, TRUE)))
  write.csv(file, file.path(DIR, "renewals_wave2.csv"), row.names = FALSE)
  few <- file
  losses <- which(few$Outcome %in% c("Churned", "Not renewed") & seq_len(nrow(few)) <= nrow(decided))
  few$Outcome[losses[-(1:6)]] <- "Renewed"
  write.csv(few, file.path(DIR, "renewals_few.csv"), row.names = FALSE)
  n <- 300
  cov <- data.frame(account = sprintf("C%03d", 1:n), index_eb = rnorm(n, 65, 12),
                    size = round(rnorm(n, 0, 1), 3),
                    segment = sample(c("SMB", "Mid", "Enterprise"), n, TRUE))
  eta <- -0.4 - 0.7 * (cov$index_eb - 65) / 10 + 0.3 * cov$size +
    ifelse(cov$segment == "SMB", 0.5, ifelse(cov$segment == "Mid", 0.2, 0))
  cov$event <- rbinom(n, 1, plogis(eta))
  cov$index_eb <- round(cov$index_eb, 4)
  write.csv(cov, file.path(DIR, "value_covariates.csv"), row.names = FALSE)
}

read_decisions <- function(name) {
  file <- read.csv(file.path(DIR, name), colClasses = c(Account = "character"))
  text <- tolower(trimws(file$Outcome))
  event <- ifelse(text %in% c("churned", "lost", "not renewed"), 1,
                  ifelse(text %in% c("renewed", "expanded"), 0, NA))
  stopifnot(!anyNA(event))
  data.frame(account = file$Account, event = event, arr = file$ARR)
}

wilson <- function(e, k) {
  if (k == 0) return(c(NA, NA))
  ci <- suppressWarnings(prop.test(e, k, correct = FALSE))$conf.int
  c(if (e == 0) 0 else ci[1], if (e == k) 1 else ci[2])
}
bands <- function(data, case) {
  band <- cut(data$index_eb, c(-Inf, 50, 70, Inf), right = FALSE,
              labels = c("below 50", "50–70", "70 and above"))
  rows <- lapply(levels(band), function(b) {
    e <- sum(data$event[band == b]); k <- sum(band == b)
    ci <- wilson(e, k)
    data.frame(case = case, band = b, accounts = k, events = e,
               rate = if (k) e / k else NA, rate_ci_low = ci[1], rate_ci_high = ci[2])
  })
  do.call(rbind, rows)
}

model_data <- function(decisions_file) {
  heard <- index_of("r_accounts_wave2.csv")
  data <- merge(heard, read_decisions(decisions_file), by = "account")
  data <- data[order(data$account), ]
  data$x <- data$index_eb / 10
  data
}

fit_case <- function(data, method) {
  if (method == "firth") {
    glm(event ~ x, family = binomial, data = data, method = "brglmFit", type = "AS_mean",
        control = brglmControl(epsilon = 1e-12, maxit = 200))
  } else {
    glm(event ~ x, family = binomial, data = data, control = glm.control(epsilon = 1e-14, maxit = 100))
  }
}

amounts <- function(fit, X, revenue) {
  b <- coef(fit); V <- vcov(fit)
  p <- plogis(drop(X %*% b))
  Xs <- X; Xs[, 2] <- Xs[, 2] + 1 / 10
  q <- plogis(drop(Xs %*% b))
  rar <- sum(revenue * p)
  g_rar <- colSums(X * (revenue * p * (1 - p)))
  vpp <- sum(revenue * (p - q))
  g_vpp <- colSums(X * (revenue * p * (1 - p))) - colSums(Xs * (revenue * q * (1 - q)))
  se_rar <- sqrt(drop(t(g_rar) %*% V %*% g_rar))
  se_vpp <- sqrt(drop(t(g_vpp) %*% V %*% g_vpp))
  c(revenue_at_risk = rar, rar_ci_low = rar - Z * se_rar, rar_ci_high = rar + Z * se_rar,
    value_per_point = vpp, vpp_ci_low = vpp - Z * se_vpp, vpp_ci_high = vpp + Z * se_vpp)
}

account_rows <- function(fit, accounts, case) {
  X <- cbind(1, accounts$index_eb / 10)
  eta <- drop(X %*% coef(fit))
  se <- sqrt(rowSums((X %*% vcov(fit)) * X))
  data.frame(case = case, account = accounts$account, index_eb = accounts$index_eb,
             p = plogis(eta), p_ci_low = plogis(eta - Z * se), p_ci_high = plogis(eta + Z * se),
             revenue = accounts$revenue, revenue_at_risk = accounts$revenue * plogis(eta))
}

calibration <- function(data, p, case) {
  o <- order(p, data$account)
  k <- length(p)
  fifth <- integer(k); fifth[o] <- floor(5 * (seq_len(k) - 1) / k) + 1
  rows <- lapply(sort(unique(fifth)), function(f) {
    m <- fifth == f
    data.frame(case = case, fifth = f, accounts = sum(m), events = sum(data$event[m]),
               p_low = min(p[m]), p_high = max(p[m]), predicted = mean(p[m]),
               observed = mean(data$event[m]))
  })
  do.call(rbind, rows)
}

main <- model_data("renewals_wave2.csv")
main$revenue <- main$arr
current <- merge(index_of("r_accounts_single_dm.csv"), revenue_of("single_dm.csv"), by = "account")
summaries <- list(); models <- list(); accounts <- list(); calibrations <- list()
for (case in c("firth", "ml", "current")) {
  method <- if (case == "ml") "ml" else "firth"
  fit <- fit_case(main, method)
  b <- coef(fit); se <- sqrt(diag(vcov(fit)))
  models[[case]] <- data.frame(case = case, term = c("intercept", "index_eb"), estimate = b,
                               se = se, odds_ratio = exp(b), or_ci_low = exp(b - Z * se),
                               or_ci_high = exp(b + Z * se), p = 2 * pnorm(-abs(b / se)))
  p <- fitted(fit)
  r <- roc(main$event, p, levels = c(0, 1), direction = "<", quiet = TRUE)
  auc <- as.numeric(ci.auc(r, method = "delong"))
  target <- if (case == "current") current else main
  X <- cbind(1, target$index_eb / 10)
  summaries[[case]] <- data.frame(
    case = case, k = nrow(main), events = sum(main$event), method = method,
    odds_ratio = exp(b[2]), or_ci_low = exp(b[2] - Z * se[2]), or_ci_high = exp(b[2] + Z * se[2]),
    auc = auc[2], auc_ci_low = max(0, auc[1]), auc_ci_high = min(1, auc[3]),
    t(amounts(fit, X, target$revenue)))
  accounts[[case]] <- account_rows(fit, target, case)
  calibrations[[case]] <- calibration(main, p, case)
}
# Covariates (a number and a text one, R's factor coding: first level in sorted order
# the reference), on value_covariates.csv: 300 synthetic accounts.
cov <- read.csv(file.path(DIR, "value_covariates.csv"))
cov$x <- cov$index_eb / 10
cov$segment <- factor(cov$segment)
covariate_rows <- list()
for (method in c("firth", "ml")) {
  fit <- if (method == "firth") {
    glm(event ~ x + size + segment, family = binomial, data = cov, method = "brglmFit",
        type = "AS_mean", control = brglmControl(epsilon = 1e-12, maxit = 200))
  } else {
    glm(event ~ x + size + segment, family = binomial, data = cov,
        control = glm.control(epsilon = 1e-14, maxit = 100))
  }
  terms <- sub("^segment", "segment=", sub("^x$", "index_eb", sub("\\(Intercept\\)", "intercept", names(coef(fit)))))
  covariate_rows[[method]] <- data.frame(case = method, term = terms, estimate = coef(fit),
                                         se = sqrt(diag(vcov(fit))))
}
out(do.call(rbind, covariate_rows), "r_value_covariates.csv")

few <- model_data("renewals_few.csv")
stopifnot(sum(few$event) < 10)

out(do.call(rbind, summaries), "r_value_summary.csv")
out(do.call(rbind, models), "r_value_model.csv")
out(do.call(rbind, accounts), "r_value_accounts.csv")
out(rbind(bands(main, "main"), bands(few, "few")), "r_value_bands.csv")
out(do.call(rbind, calibrations), "r_value_calibration.csv")
cat("k =", nrow(main), " events =", sum(main$event), " few events =", sum(few$event), "\n")
